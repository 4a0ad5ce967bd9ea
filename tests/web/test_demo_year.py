"""On the demo data (Vĩnh Lập's plan re-based onto 2026) the coordinator sees every task and
every reform area, and the 2026 figures count only 2026 periods (next year's loaded early never)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from domain.vocabulary import REFORM_AREAS
from persistence.db import create_schema, make_engine
from persistence.models import Occurrence, Organisation, Plan, Task
from persistence.progress import reporting_calendar, sync_plan_progress, sync_task_progress
from persistence.progress_report import progress_report
from persistence.read_model import build_snapshot
from tests.reports.demo_plan import store_demo_plan
from web.pages_dashboard import all_areas, task_lines


def test_vinh_lap_2026_every_task_every_area_only_2026_periods(tmp_path: Path, db_url: str) -> None:
    engine = make_engine(db_url)
    create_schema(engine)
    _, stored_plan, stored = store_demo_plan(engine, tmp_path, "vinh-lap")
    today = date(2026, 5, 4)
    with Session(engine) as session:
        org = session.exec(select(Organisation).where(Organisation.id == stored_plan.organisation_id)).one()
        plan_row = session.get(Plan, stored_plan.id)
        sync_plan_progress(session, org, plan_row, stored)
        # Next year's periods loaded early (a roll-over): they must not count in 2026.
        calendar = reporting_calendar(org)
        tasks = list(session.exec(select(Task).where(Task.plan_id == plan_row.id)))
        for task in tasks:
            sync_task_progress(session, task, calendar, 2027)
        session.commit()
        assert len(tasks) == 45
        report = progress_report(session, org, today, 2026, "2026-H1")
        snap = build_snapshot(session, org.id, today, "Asia/Ho_Chi_Minh")
        next_year = session.exec(select(Occurrence).where(Occurrence.key.like("2027-%"))).all()
    assert next_year  # loaded early
    # Every one of the 45 tasks is listed, continuous ones included, and every reform area shown.
    assert len(report.rows) == 45 and len(task_lines(snap, report)) == 45
    assert sum(report.overall.values()) == 45
    assert {a.value for a in REFORM_AREAS} <= set(report.by_area)
    assert {a.value for a in REFORM_AREAS} <= set(all_areas(snap, {}))
    # The buckets count the tasks' own deadlines of 2026 only: no progress occurrence, nothing of 2027.
    by_unit, _ = snap.figures(2026)
    deadlines_2026 = [r for r in snap.rows if r.key.startswith("2026")]
    assert by_unit.overall.total == len(snap.of_year(2026)) == len(deadlines_2026) > 0
    assert all(not r.key.endswith(".progress") for r in snap.rows)
    assert all(r.year == 2026 for r in snap.of_year(2026))


def test_returned_completion_mail_says_how_late() -> None:
    from notifications.render import render_notification

    context = {"task_code": "1.1", "task_title": "Rà soát", "reason": "Thiếu tệp", "due": "2026-03-10",
               "scheduled_at": "2026-03-17T02:00:00+00:00", "recipient_name": "A", "actor_name": "B", "task_id": 1}
    late = render_notification("completion_rejected", 0, context, "http://x/")
    assert "đã quá hạn 7 ngày (hạn 10/03/2026)" in late.text and "quá hạn 7 ngày" in late.html
    early = render_notification("completion_rejected", 0, {**context, "scheduled_at": "2026-03-01T02:00:00+00:00"}, "http://x/")
    assert "quá hạn" not in early.text and "trước hạn 10/03/2026" in early.text
