"""Storing an activated plan: the review file's chasing section is the plan's policy."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from domain.db import create_schema, make_engine
from domain.models import Plan
from domain.policy import DEFAULT_POLICY, Policy
from runtime.activation import load_inputs, store
from runtime.demo import prepare_review

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_chasing_is_stored_kept_and_changes_every_task(tmp_path: Path, db_url: str) -> None:
    org_path = SAMPLES / "org" / "ngoc-lien.yaml"
    review_path = prepare_review(SAMPLES / "plans" / "ngoc-lien-2025.txt", org_path, 2026, tmp_path / "r.yaml").review
    engine = make_engine(db_url)
    create_schema(engine)

    review, org_config, _ = load_inputs(review_path, org_path)
    _, plan, stored = store(engine, review, org_config, review_path)
    with Session(engine) as session:
        row = session.get(Plan, plan.id)
        assert Policy.from_dict(row.policy) == DEFAULT_POLICY and row.requires_confirmation

    # Activating the same file again keeps the policy and changes no task.
    _, _, again = store(engine, review, org_config, review_path)
    assert {s.change for s in again} == {"unchanged"}

    review.chasing.requires_confirmation = False
    review.chasing.repeat_every_days = 14
    _, plan, changed = store(engine, review, org_config, review_path)
    assert {s.change for s in changed} == {"changed"} and len(changed) == len(stored)
    with Session(engine) as session:
        row = session.get(Plan, plan.id)
        assert Policy.from_dict(row.policy).repeat_every_days == 14 and not row.requires_confirmation
