"""``dondoc plan list``: the plans in the database, read by a person (registered by cli.plan)."""

from __future__ import annotations

from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, select

from cli.status import ORG_OPTION, _engine, console, pick_organisation
from persistence.models import Plan, PlanStatus, Task, TaskStatus
from settings import Settings

PLAN_STATUS = {PlanStatus.DRAFT: "bản nháp", PlanStatus.ACTIVE: "đang theo dõi", PlanStatus.CANCELLED: "đã huỷ"}


def plan_list(org: str = ORG_OPTION) -> None:
    """Các kế hoạch: số hiệu (vd. 12/KH-UBND), năm, trạng thái, số nhiệm vụ."""
    engine = _engine(Settings())
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        counts = dict(session.exec(
            select(Task.plan_id, func.count(Task.id)).where(Task.organisation_id == organisation.id,
                                                            Task.status == TaskStatus.ACTIVE).group_by(Task.plan_id)
        ).all())
        plans = list(session.exec(select(Plan).where(Plan.organisation_id == organisation.id)
                                  .order_by(Plan.year.desc(), Plan.id)).all())
    if not plans:
        console.print(f"{organisation.name} chưa có kế hoạch nào: nhập bằng 'dondoc import' rồi 'dondoc plan activate'.")
        return
    table = Table(title=f"Kế hoạch của {organisation.name}", title_justify="left")
    for column in ("Số hiệu", "Năm", "Trạng thái", "Số nhiệm vụ", "Trích yếu", "Mã (dùng trong lệnh)"):
        table.add_column(column, justify="right" if column in ("Năm", "Số nhiệm vụ") else "left")
    for plan in plans:
        table.add_row(plan.number or "(không số)", str(plan.year), PLAN_STATUS.get(PlanStatus(plan.status), str(plan.status)),
                      str(counts.get(plan.id, 0)), plan.title, plan.code)
    console.print(table)
