"""A small commune in a real SQLite file: organisation, officers, one plan, one task.

Shared by the workflow and activity tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from domain.calendar import WorkCalendar
from domain.db import create_schema, make_engine, session_scope
from domain.deadlines import expand, parse_deadline
from domain.models import Occurrence, Officer, OfficerUnit, Organisation, Plan, PlanStatus, Role, Task, Unit
from workflows.task_types import workflow_id_for

QUARTERLY = "theo Quý trước ngày 20 của tháng cuối Quý"

# username -> (full name, role, unit codes)
OFFICERS = {
    "chutich": ("Trần Văn Hùng", Role.CHAIRMAN, ["lanh-dao"]),
    "phochutich": ("Lê Thị Mai", Role.VICE_CHAIRMAN, ["lanh-dao"]),
    "vanphong": ("Nguyễn Thị Lan", Role.COORDINATOR, ["vp-tk"]),
    "tuphap": ("Phạm Văn Nam", Role.OFFICER, ["tp-ht"]),
    "ketoan": ("Đỗ Thị Hoa", Role.OFFICER, ["tc-kt"]),
}
UNITS = {
    "lanh-dao": "Lãnh đạo UBND xã",
    "vp-tk": "Công chức Văn phòng - Thống kê",
    "tp-ht": "Công chức Tư pháp - Hộ tịch",
    "tc-kt": "Công chức Tài chính - Kế toán",
}


@dataclass
class Seeded:
    engine: Engine
    organisation_id: int
    plan_id: int
    task_id: int
    workflow_id: str
    occurrence_keys: list[str] = field(default_factory=list)


def email_of(username: str) -> str:
    return f"{username}@xa.example"


def seed(
    db_file: Path,
    *,
    deadline: str = QUARTERLY,
    year: int = 2026,
    requires_confirmation: bool = True,
    lead_units: tuple[str, ...] = ("tp-ht",),
    task_code: str = "3.1",
) -> Seeded:
    """Create the schema and the commune, its plan and one task with its occurrences."""
    engine = make_engine(f"sqlite:///{db_file}")
    create_schema(engine)
    with session_scope(engine) as session:
        org = Organisation(code="xa-thu-nghiem", name="UBND xã Thử Nghiệm")
        session.add(org)
        session.flush()
        units = {}
        for code, name in UNITS.items():
            units[code] = Unit(organisation_id=org.id, code=code, name=name)
            session.add(units[code])
        session.flush()
        for username, (name, role, unit_codes) in OFFICERS.items():
            officer = Officer(organisation_id=org.id, username=username, full_name=name,
                              email=email_of(username), role=role)
            session.add(officer)
            session.flush()
            for code in unit_codes:
                session.add(OfficerUnit(officer_id=officer.id, unit_id=units[code].id))
        plan = Plan(organisation_id=org.id, code=f"kh-{year}-12", number="12/KH-UBND",
                    title=f"Kế hoạch cải cách hành chính năm {year}", issuer="UBND xã Thử Nghiệm",
                    year=year, requires_confirmation=requires_confirmation, status=PlanStatus.ACTIVE,
                    standing_unit_id=units["vp-tk"].id)
        session.add(plan)
        session.flush()
        schedule = parse_deadline(deadline, year)
        wf_id = workflow_id_for(org.code, plan.code, task_code)
        task = Task(organisation_id=org.id, plan_id=plan.id, code=task_code, area="chi_dao",
                    title="Báo cáo công tác cải cách hành chính", lead_units=list(lead_units),
                    deadline_text=deadline, deadline_schedule=schedule.to_dict(), workflow_id=wf_id)
        session.add(task)
        session.flush()
        keys = []
        for due in expand(schedule, year, WorkCalendar()):
            session.add(Occurrence(organisation_id=org.id, task_id=task.id, key=due.key, period=due.period,
                                   nominal=due.nominal, due=due.due))
            keys.append(due.key)
        return Seeded(engine, org.id, plan.id, task.id, wf_id, keys)


def day(text: str) -> date:
    return date.fromisoformat(text)
