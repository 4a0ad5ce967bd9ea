"""The short Vietnamese status `dondoc up` prints."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from cli.runtime import print_status
from persistence.db import create_schema, make_engine, session_scope
from persistence.models import Occurrence, Organisation, Plan, PlanStatus, Task
from tests.database import database_url


def _console() -> Console:
    return Console(record=True, width=140)


def test_empty_database_shows_the_deadline_demo(tmp_path) -> None:
    engine = make_engine(database_url(tmp_path / "d.db"))
    create_schema(engine)
    console = _console()
    print_status(engine, console, today=date(2027, 1, 4))
    text = console.export_text()
    assert "Chưa có kế hoạch nào" in text
    assert "22/03/2027" in text  # 20/3/2027 is a Saturday: the quarterly deadline moves to Monday


def test_counts_open_and_overdue_occurrences(tmp_path) -> None:
    engine = make_engine(database_url(tmp_path / "d.db"))
    create_schema(engine)
    with session_scope(engine) as s:
        org = Organisation(code="xa-a", name="UBND xã A")
        s.add(org)
        s.flush()
        plan = Plan(organisation_id=org.id, code="kh-2027-1", title="KH", issuer="UBND", year=2027, status=PlanStatus.ACTIVE)
        s.add(plan)
        s.flush()
        task = Task(organisation_id=org.id, plan_id=plan.id, code="1.1", area="khac", title="Báo cáo quý")
        s.add(task)
        s.flush()
        for key, due in (("2027-Q1", date(2027, 3, 22)), ("2027-Q2", date(2027, 6, 21))):
            s.add(Occurrence(organisation_id=org.id, task_id=task.id, key=key, period=key, nominal=due, due=due))
    console = _console()
    print_status(engine, console, today=date(2027, 4, 1))
    text = console.export_text()
    assert "1 kế hoạch, 1 nhiệm vụ; 2 kỳ chưa hoàn thành, trong đó 1 kỳ đã quá hạn" in text
    assert "21/06/2027" in text and "22/03/2027" not in text
