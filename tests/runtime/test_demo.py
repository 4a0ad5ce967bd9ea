"""The demo's plans: the three seeds import, re-base onto a year and pass the review check."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.activation import load_inputs
from runtime.demo import DEMO_PLANS, SAMPLES, STAND_IN_REPORT, prepare_review


@pytest.mark.parametrize(("document", "org_file"), DEMO_PLANS)
def test_demo_plan_is_ready_to_activate(document: str, org_file: str, tmp_path: Path) -> None:
    plan = prepare_review(SAMPLES / "plans" / document, SAMPLES / "org" / org_file, 2026,
                          tmp_path / "review.yaml")
    review, org_config, _ = load_inputs(plan.review, (SAMPLES / "org" / org_file).resolve())
    assert review.plan.year == 2026 and len(review.tasks) == plan.tasks > 20
    assert all(task.deadline for task in review.tasks)
    stand_ins = [t for t in review.tasks if t.deadline == STAND_IN_REPORT]
    if document.startswith("vinh-lap"):  # the Vĩnh Lập plan gives almost no deadlines
        assert plan.stand_ins >= plan.tasks - 2 and stand_ins
    else:
        assert plan.stand_ins < plan.tasks // 4
