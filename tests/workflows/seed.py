"""A small commune with one quarterly reporting task, written to a real database.

Xã Vĩnh Lập's plan 12/KH-UBND for 2026: task 3.1 "Báo cáo công tác CCHC hằng quý",
led by the justice officer (tuphap), coordinated by the office (vanphong), with a
vice-chairman in charge (phochutich) and a chairman (chutich).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from domain.calendar import WorkCalendar
from persistence.db import create_schema, make_engine, session_scope
from tests.database import database_url
from domain.deadlines import expand, parse_deadline
from domain.reporting import ReportingCalendar, progress_due_dates
from persistence.models import Occurrence, Officer, OfficerUnit, Organisation, Plan, PlanStatus, Role, Task, Unit
from contracts.task_workflow import workflow_id_for

QUARTERLY = "Định kỳ hằng quý, trước ngày 20 tháng cuối quý và những năm tiếp theo"
OFFICERS = {
    # username: (full name, role, unit code)
    "tuphap": ("Phạm Văn Nam", Role.OFFICER, "tu-phap"),
    "ketoan": ("Lê Thị Hoa", Role.OFFICER, "tai-chinh"),
    "vanphong": ("Nguyễn Thị Lan", Role.COORDINATOR, "van-phong"),
    "phochutich": ("Trần Văn Bình", Role.VICE_CHAIRMAN, None),
    "chutich": ("Hoàng Văn Chung", Role.CHAIRMAN, None),
}
UNITS = {"tu-phap": "Công chức Tư pháp – Hộ tịch", "tai-chinh": "Công chức Tài chính – Kế toán",
         "van-phong": "Công chức Văn phòng – Thống kê"}


def email_of(username: str) -> str:
    return f"{username}@vinhlap.example"


@dataclass(frozen=True)
class Seeded:
    engine: Engine
    organisation_id: int
    plan_id: int
    task_id: int
    workflow_id: str


def seed(
    path: Path | str,
    *,
    deadline: str = QUARTERLY,
    year: int = 2026,
    requires_confirmation: bool = True,
    with_vice_chairman: bool = True,
    org_code: str = "xa-vinh-lap",
    url: str | None = None,
    lead_units: tuple[str, ...] = ("tu-phap",),
    task_code: str = "3.1",
    progress: bool = False,
    policy: dict | None = None,
) -> Seeded:
    """Create the schema in a fresh database and write the commune, its plan and task 3.1."""
    engine = make_engine(url or database_url(path))  # the test's PostgreSQL database in PG mode
    create_schema(engine)
    calendar = WorkCalendar()
    schedule = parse_deadline(deadline, year) if deadline else None
    with session_scope(engine) as session:
        org = Organisation(code=org_code, name="UBND xã Vĩnh Lập")
        session.add(org)
        session.flush()
        units = {}
        for code, name in UNITS.items():
            units[code] = Unit(organisation_id=org.id, code=code, name=name)
            session.add(units[code])
        session.flush()
        for username, (name, role, unit) in OFFICERS.items():
            if role == Role.VICE_CHAIRMAN and not with_vice_chairman:
                continue
            officer = Officer(organisation_id=org.id, username=username, full_name=name, email=email_of(username),
                              role=role)
            session.add(officer)
            session.flush()
            if unit:
                session.add(OfficerUnit(officer_id=officer.id, unit_id=units[unit].id))
        plan = Plan(organisation_id=org.id, code=f"kh-{year}-12", number="12/KH-UBND",
                    title=f"Kế hoạch cải cách hành chính năm {year}", issuer="UBND xã Vĩnh Lập", year=year,
                    requires_confirmation=requires_confirmation, standing_unit_id=units["van-phong"].id,
                    status=PlanStatus.ACTIVE, **({"policy": policy} if policy is not None else {}))
        session.add(plan)
        session.flush()
        workflow_id = workflow_id_for(org.code, plan.code, task_code)
        task = Task(organisation_id=org.id, plan_id=plan.id, code=task_code, area="chi_dao",
                    title="Báo cáo công tác cải cách hành chính hằng quý", lead_units=list(lead_units),
                    coordinating_units=["van-phong"], deadline_text=deadline, deadline_schedule=schedule.to_dict() if schedule else None,
                    product="Báo cáo quý", workflow_id=workflow_id)
        session.add(task)
        session.flush()
        for due in expand(schedule, year, calendar) if schedule else []:
            session.add(Occurrence(organisation_id=org.id, task_id=task.id, key=due.key, period=due.period,
                                   nominal=due.nominal, due=due.due))
        if progress:  # the progress update of every reporting period (domain.reporting)
            for due in progress_due_dates(ReportingCalendar(calendar=calendar), year):
                session.add(Occurrence(organisation_id=org.id, task_id=task.id, key=due.key, period=due.period,
                                       nominal=due.nominal, due=due.due, kind="progress"))
        return Seeded(engine, org.id, plan.id, task.id, workflow_id)
