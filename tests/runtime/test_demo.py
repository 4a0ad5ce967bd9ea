"""The demo's plans: the three seeds import, re-base onto a year and pass the review check."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.plans import DEMO_PLANS, SAMPLES, STAND_IN_REPORT, prepare_review
from runtime.activation import load_inputs


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
    elif document.startswith("cam-xuyen"):
        # The Cẩm Xuyên plan dates its reporting duties, not its tasks: a unit's reporting
        # period is a duty of its own (issue 13), so the tasks get the continuous stand-in
        # and every report keeps the date the plan gives it.
        assert not stand_ins and plan.stand_ins < plan.tasks
    else:
        assert plan.stand_ins < plan.tasks // 4


def test_demo_history_fills_past_periods_only_and_is_deterministic(tmp_path: Path, db_url: str) -> None:
    from datetime import date

    from sqlmodel import Session, select

    from demo.plans import DEMO_EVIDENCE_NOTE, record_history
    from domain.status import Bucket, classify, local_date
    from persistence.db import create_schema, make_engine
    from persistence.models import Event, Occurrence, OccurrenceStatus
    from tests.reports.demo_plan import store_demo_plan

    engine = make_engine(db_url)
    create_schema(engine)
    _, stored_plan, _ = store_demo_plan(engine, tmp_path, "ngoc-lien")
    today = date(2026, 11, 23)
    counts = record_history(engine, stored_plan.id, today, "Asia/Ho_Chi_Minh")
    with Session(engine) as session:
        occurrences = list(session.exec(select(Occurrence)))
        past = [o for o in occurrences if o.due < today]
        buckets = [classify(o.status, o.due, local_date(o.completed_at), today) for o in past]
        assert buckets.count(Bucket.DONE_ON_TIME) == counts["on_time"] > len(past) // 3
        assert buckets.count(Bucket.DONE_LATE) == counts["late"] > 0
        assert buckets.count(Bucket.OVERDUE) == counts["open"] > 0
        assert all(o.status == OccurrenceStatus.OPEN for o in occurrences if o.due >= today)
        assert all(local_date(o.completed_at) < today for o in past if o.completed_at)
        done = [o for o in past if o.status == OccurrenceStatus.DONE]
        assert all(o.evidence["note"] == DEMO_EVIDENCE_NOTE for o in done)
        assert len(list(session.exec(select(Event).where(Event.actor == "demo")))) == len(done)
    # Nothing is left to fill a second time.
    assert sum(record_history(engine, stored_plan.id, today, "Asia/Ho_Chi_Minh").values()) == counts["open"]


def test_demo_indicators_are_reported_for_past_periods_only(tmp_path: Path, db_url: str) -> None:
    from datetime import date

    from sqlmodel import Session, select

    from demo.plans import record_indicator_history
    from persistence.db import create_schema, make_engine
    from persistence.models import Indicator, IndicatorValue
    from tests.reports.demo_plan import store_demo_plan

    engine = make_engine(db_url)
    create_schema(engine)
    _, stored_plan, _ = store_demo_plan(engine, tmp_path, "cam-xuyen")
    counts = record_indicator_history(engine, stored_plan.id, date(2026, 10, 1))  # after Q1, H1 and Q3 cut-offs
    with Session(engine) as session:
        indicators = len(list(session.exec(select(Indicator).where(Indicator.active == True))))  # noqa: E712
        values = list(session.exec(select(IndicatorValue)))
    assert indicators > 5
    assert counts["reported"] + counts["missing"] == 3 * indicators
    assert len(values) == counts["reported"] and counts["missing"] > 0
    assert {v.period_key for v in values} == {"2026-Q1", "2026-H1", "2026-Q3"}
