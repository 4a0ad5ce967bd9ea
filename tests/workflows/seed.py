"""A small commune with one quarterly reporting task, written to a real database.

Xã Vĩnh Lập's plan 12/KH-UBND for 2026: task 3.1 "Báo cáo công tác CCHC hằng quý",
led by the justice officer (tuphap), coordinated by the office (vanphong), with a
vice-chairman in charge (phochutich) and a chairman (chutich).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from contracts.task_workflow import workflow_id_for
from persistence.db import session_scope
from persistence.models import Role
from tests import factories

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
    engine = factories.database(path, url)
    with session_scope(engine) as session:
        org = factories.organisation(session, org_code, "UBND xã Vĩnh Lập")
        units = factories.units(session, org.id, UNITS)
        people = {u: p for u, p in OFFICERS.items() if with_vice_chairman or p[1] != Role.VICE_CHAIRMAN}
        factories.officers(session, org.id, people, units, email=email_of)
        plan = factories.plan(session, org.id, f"kh-{year}-12", f"Kế hoạch cải cách hành chính năm {year}", year,
                              number="12/KH-UBND", issuer="UBND xã Vĩnh Lập", requires_confirmation=requires_confirmation,
                              standing_unit_id=units["van-phong"].id, **({"policy": policy} if policy is not None else {}))
        workflow_id = workflow_id_for(org.code, plan.code, task_code)
        task = factories.scheduled_task(
            session, plan, task_code, "Báo cáo công tác cải cách hành chính hằng quý", deadline,
            progress=progress, lead_units=list(lead_units), coordinating_units=["van-phong"], product="Báo cáo quý",
            workflow_id=workflow_id)
        return Seeded(engine, org.id, plan.id, task.id, workflow_id)
