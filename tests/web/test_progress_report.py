"""web.progress: every task of the plan year with its progress update of one period."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from persistence.db import session_scope
from persistence.models import Occurrence, OccurrenceStatus, Organisation, Plan, ProgressUpdate
from persistence.progress import sync_plan_progress
from persistence.progress_report import progress_report
from tests.workflows.seed import seed


def test_progress_report_counts_and_states(tmp_path):
    seeded = seed(tmp_path / "db.sqlite", deadline="Thường xuyên")
    with session_scope(seeded.engine) as session:
        org = session.get(Organisation, seeded.organisation_id)
        plan = session.get(Plan, seeded.plan_id)
        assert sync_plan_progress(session, org, plan, []) == 4
        assert sync_plan_progress(session, org, plan, []) == 0  # idempotent
    with Session(seeded.engine) as session:
        org = session.get(Organisation, seeded.organisation_id)
        keys = [o.key for o in session.exec(select(Occurrence).where(Occurrence.kind == "progress").order_by(Occurrence.due))]
        assert keys == ["2026-Q1.progress", "2026-H1.progress", "2026-Q3.progress", "2026-Y.progress"]
        before = progress_report(session, org, date(2026, 3, 1))
        assert before.period.key == "2026-Q1" and [r.state for r in before.rows] == ["missing"]
        late = progress_report(session, org, date(2026, 3, 16))
        assert [r.state for r in late.rows] == ["overdue"]
        assert [a for a, c in late.by_area.items()][:8] == ["chi_dao", "the_che", "tthc", "to_chuc", "cong_vu",
                                                           "tai_chinh", "so_hoa", "tuyen_truyen"]
        assert late.by_area["chi_dao"]["overdue"] == 1 and late.by_unit["tu-phap"]["overdue"] == 1
        # Next year's period is not this year's.
        assert progress_report(session, org, date(2026, 12, 30), year=2026).period.key == "2026-Y"
    with session_scope(seeded.engine) as session:
        occ = session.exec(select(Occurrence).where(Occurrence.key == "2026-Q1.progress")).one()
        session.add(ProgressUpdate(organisation_id=occ.organisation_id, task_id=occ.task_id, occurrence_id=occ.id,
                                   period_key="2026-Q1", status="in_progress", result="x", submitted_by="tuphap",
                                   submitted_at=datetime(2026, 3, 10, tzinfo=UTC), review_status="returned",
                                   review_reason="Thiếu số liệu", idempotency_key="k1"))
    with Session(seeded.engine) as session:
        org = session.get(Organisation, seeded.organisation_id)
        rows = progress_report(session, org, date(2026, 3, 16), period="2026-Q1").rows
        assert [(r.state, r.review_reason) for r in rows] == [("returned", "Thiếu số liệu")]
    with session_scope(seeded.engine) as session:
        occ = session.exec(select(Occurrence).where(Occurrence.key == "2026-Q1.progress")).one()
        occ.status = OccurrenceStatus.SUBMITTED
        session.add(occ)
    with Session(seeded.engine) as session:
        org = session.get(Organisation, seeded.organisation_id)
        assert [r.state for r in progress_report(session, org, date(2026, 3, 16), period="2026-Q1").rows] == ["submitted"]
