"""Storing an activated plan: the review file's chasing section is the plan's policy."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from demo.plans import prepare_review
from domain.policy import DEFAULT_POLICY, Policy
from persistence.db import create_schema, make_engine
from persistence.models import Plan
from runtime.activation import load_inputs, store

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


# --------------------------------------------------------------------------- plan identity (issue 17 item 1)

def _plan_review(number: str | None, issuer: str = "UBND xã Vĩnh Lập", codes: tuple[str, ...] = ("1.1", "1.2"), code: str | None = None):
    from datetime import date

    from tests.integration.support import LEADS, review, review_task

    year = date.today().year
    tasks = [review_task(c, f"Nhiệm vụ {c} của {number}", LEADS[0], date(year, 12, 20)) for c in codes]
    the_review = review(number or "x", year, tasks)
    the_review.plan.number = number
    the_review.plan.issuer = issuer
    the_review.plan.code = code
    return the_review


def _active_tasks(engine, plan_id: int) -> list[str]:
    from sqlmodel import select

    from persistence.models import Task, TaskStatus

    with Session(engine) as session:
        return sorted(t.code for t in session.exec(select(Task).where(Task.plan_id == plan_id, Task.status == TaskStatus.ACTIVE)))


def test_two_plans_with_the_same_leading_digits_are_two_plans(tmp_path: Path, db_url: str) -> None:
    from datetime import date

    from tests.integration.support import ORG_FILE, organisation

    engine = make_engine(db_url)
    create_schema(engine)
    org_config = organisation(date.today())
    _, first, _ = store(engine, _plan_review("12/KH-UBND"), org_config, ORG_FILE)
    _, second, _ = store(engine, _plan_review("12/KH-BCĐ", codes=("9.1",)), org_config, ORG_FILE)
    assert first.id != second.id and first.code != second.code
    assert _active_tasks(engine, first.id) == ["1.1", "1.2"]  # the first plan is untouched
    assert _active_tasks(engine, second.id) == ["9.1"]


def test_a_plan_that_would_overwrite_another_is_refused_naming_both(tmp_path: Path, db_url: str) -> None:
    from datetime import date

    import pytest

    from runtime.activation import ActivationError
    from tests.integration.support import ORG_FILE, organisation

    engine = make_engine(db_url)
    create_schema(engine)
    org_config = organisation(date.today())
    _, first, _ = store(engine, _plan_review("12/KH-UBND"), org_config, ORG_FILE)
    with pytest.raises(ActivationError) as refused:  # same number, another issuer: another plan, same code
        store(engine, _plan_review("12/KH-UBND", issuer="Đảng uỷ xã Vĩnh Lập", codes=("5.1",)), org_config, ORG_FILE)
    message = str(refused.value)
    assert "UBND xã Vĩnh Lập" in message and "Đảng uỷ xã Vĩnh Lập" in message and "code:" in message
    assert _active_tasks(engine, first.id) == ["1.1", "1.2"]
    # A user-chosen code tells them apart.
    _, other, _ = store(engine, _plan_review("12/KH-UBND", issuer="Đảng uỷ xã Vĩnh Lập", codes=("5.1",), code="kh-dang-uy-12"),
                        org_config, ORG_FILE)
    assert other.code == "kh-dang-uy-12" and _active_tasks(engine, other.id) == ["5.1"]
    assert _active_tasks(engine, first.id) == ["1.1", "1.2"]
    # Without a number, the user-chosen code is the plan's identity.
    _, numberless, _ = store(engine, _plan_review(None, codes=("7.1",), code="ke-hoach-tuyen-truyen"), org_config, ORG_FILE)
    _, again, _ = store(engine, _plan_review(None, codes=("7.1",), code="ke-hoach-tuyen-truyen"), org_config, ORG_FILE)
    assert numberless.id == again.id


def test_a_plan_stored_under_the_old_code_is_found_by_number_and_issuer(tmp_path: Path, db_url: str) -> None:
    from datetime import date

    from tests.integration.support import ORG_FILE, organisation

    engine = make_engine(db_url)
    create_schema(engine)
    org_config = organisation(date.today())
    _, first, _ = store(engine, _plan_review("12/KH-UBND"), org_config, ORG_FILE)
    with Session(engine) as session:  # as activated before plans were identified by their whole number
        row = session.get(Plan, first.id)
        row.code = f"kh-{row.year}-12"
        session.add(row)
        session.commit()
    _, again, stored = store(engine, _plan_review("12/KH-UBND"), org_config, ORG_FILE)
    assert again.id == first.id and again.code == f"kh-{first.year}-12"
    assert {s.change for s in stored} == {"unchanged"}  # same plan, same workflows


def test_cancelling_tasks_needs_confirmation_and_changes_nothing_until_given(tmp_path: Path, db_url: str) -> None:
    from datetime import date

    import pytest

    from runtime.activation import ConfirmationRequired
    from tests.integration.support import ORG_FILE, organisation

    engine = make_engine(db_url)
    create_schema(engine)
    org_config = organisation(date.today())
    _, plan, _ = store(engine, _plan_review("12/KH-UBND"), org_config, ORG_FILE)
    with pytest.raises(ConfirmationRequired) as asked:
        store(engine, _plan_review("12/KH-UBND", codes=("1.1",)), org_config, ORG_FILE)
    assert asked.value.tasks == [("1.2", "Nhiệm vụ 1.2 của 12/KH-UBND")]
    assert "1.2" in str(asked.value) and "--yes" in str(asked.value)
    assert _active_tasks(engine, plan.id) == ["1.1", "1.2"]
    store(engine, _plan_review("12/KH-UBND", codes=("1.1",)), org_config, ORG_FILE, confirm_cancel=True)
    assert _active_tasks(engine, plan.id) == ["1.1"]
