"""``dondoc org``: check an organisation file, load it into the database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from persistence.models import Role
from domain.organisation import OrganisationConfig, OrganisationError, load_organisation
from persistence.organisation_store import sync_organisation_report

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

org_app = typer.Typer(help="Tổ chức: đơn vị, công chức, ngày nghỉ (tệp YAML).", no_args_is_help=True)
app.add_typer(org_app, name="org")

_ROLE_LABEL = {
    Role.OFFICER: "công chức",
    Role.COORDINATOR: "điều phối",
    Role.VICE_CHAIRMAN: "Phó Chủ tịch",
    Role.CHAIRMAN: "Chủ tịch",
    Role.ADMIN: "quản trị",
    Role.PROVINCE: "cấp tỉnh",
}


def _load_or_exit(path: Path) -> OrganisationConfig:
    try:
        return load_organisation(path)
    except OrganisationError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


def _people(officers) -> str:
    return ", ".join(f"{o.name} ({o.username})" for o in officers) or "chưa có"


def _summary(config: OrganisationConfig, console: Console) -> None:
    info = config.organisation
    console.print(f"[bold]{info.name}[/bold] — mã {info.code}, cấp {info.level}, múi giờ {info.timezone}")
    console.print(f"Chủ tịch: {_people([config.chairman])}")
    console.print(f"Phó Chủ tịch: {_people(config.vice_chairmen)}")
    console.print(f"Điều phối (cơ quan thường trực): {_people(config.coordinators)}")
    cal = config.calendar
    off = ", ".join(f"{d:%d/%m/%Y}" for d in cal.extra_days_off) or "không có"
    makeup = ", ".join(f"{d:%d/%m/%Y}" for d in cal.makeup_working_days) or "không có"
    console.print(f"Ngày nghỉ thêm: {off}; ngày làm bù: {makeup}")

    table = Table(title=f"{len(config.units)} đơn vị")
    table.add_column("Mã")
    table.add_column("Tên")
    table.add_column("Tên gọi khác")
    table.add_column("Công chức")
    for unit in config.units:
        people = config.officers_for_unit(unit.code)
        table.add_row(unit.code, unit.name, "; ".join(unit.aliases), _people(people))
    console.print(table)

    active = config.active_officers
    roles = ", ".join(
        f"{sum(o.role == role for o in active)} {label}" for role, label in _ROLE_LABEL.items() if any(o.role == role for o in active)
    )
    inactive = len(config.officers) - len(active)
    console.print(f"{len(active)} người đang hoạt động ({roles})" + (f", {inactive} đã ngừng" if inactive else "") + ".")
    empty = [u.code for u in config.units if not config.officers_for_unit(u.code)]
    if empty:
        console.print(f"[yellow]Lưu ý:[/yellow] đơn vị chưa có người nhận nhắc việc: {', '.join(empty)}")


@org_app.command("check")
def check(path: Path = typer.Argument(..., help="Tệp YAML của tổ chức.")) -> None:
    """Kiểm tra tệp tổ chức và in tóm tắt."""
    config = _load_or_exit(path)
    console = Console()
    console.print(f"Tệp {path} hợp lệ.")
    _summary(config, console)


@org_app.command("load")
def load(path: Path = typer.Argument(..., help="Tệp YAML của tổ chức.")) -> None:
    """Nạp (đồng bộ) tệp tổ chức vào cơ sở dữ liệu; chạy lại nhiều lần vẫn an toàn."""
    # Imported here so `dondoc org check` works without touching the database.
    from persistence.db import create_schema, make_engine, session_scope
    from settings import Settings

    config = _load_or_exit(path)
    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    create_schema(engine)
    with session_scope(engine) as session:
        organisation, report = sync_organisation_report(session, config)
        name = organisation.name
    engine.dispose()

    if not report.changed:
        typer.echo(f"{name}: dữ liệu đã khớp với tệp, không có thay đổi.")
        return
    typer.echo(f"Đã nạp {name} vào cơ sở dữ liệu:")
    for label, items in (("thêm mới", report.created), ("cập nhật", report.updated), ("ngừng hoạt động", report.deactivated)):
        if items:
            typer.echo(f"  {label} ({len(items)}): {', '.join(items)}")
