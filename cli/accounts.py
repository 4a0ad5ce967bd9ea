"""``dondoc plan list`` and ``dondoc user list``: what is in the database, read by a person."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, select

from cli.plan import plan_app
from cli.status import ORG_OPTION, _engine, console, pick_organisation, user_app
from domain.models import OfficerUnit, Officer, Plan, PlanStatus, Role, Task, TaskStatus, Unit
from domain.text import fold
from settings import Settings

PLAN_STATUS = {PlanStatus.DRAFT: "bản nháp", PlanStatus.ACTIVE: "đang theo dõi", PlanStatus.CANCELLED: "đã huỷ"}


@plan_app.command("list")
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


@user_app.command("list")
def user_list(org: str = ORG_OPTION, all_: bool = typer.Option(False, "--all", help="Cả các tài khoản đã khoá.")) -> None:
    """Các tài khoản: họ tên, tên đăng nhập, vai trò, đơn vị, trạng thái."""
    engine = _engine(Settings())
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        officers = list(session.exec(select(Officer).where(Officer.organisation_id == organisation.id)).all())
        units: dict[int, list[str]] = {}
        for officer_id, name in session.exec(
            select(OfficerUnit.officer_id, Unit.name).join(Unit, Unit.id == OfficerUnit.unit_id)
            .where(Unit.organisation_id == organisation.id)
        ).all():
            units.setdefault(officer_id, []).append(name)
    shown = [o for o in officers if all_ or o.active]
    table = Table(title=f"Tài khoản của {organisation.name} ({len(shown)})", title_justify="left")
    for column in ("Họ và tên", "Tên đăng nhập", "Vai trò", "Đơn vị", "Thư điện tử", "Trạng thái"):
        table.add_column(column)
    for officer in sorted(shown, key=lambda o: (not o.active, fold(o.full_name))):
        state = "đã khoá" if not officer.active else ("đang dùng" if officer.password_hash else "chưa đặt mật khẩu")
        table.add_row(officer.full_name, officer.username, Role(officer.role).label, "; ".join(sorted(units.get(officer.id, []))),
                      officer.email, state)
    console.print(table)
