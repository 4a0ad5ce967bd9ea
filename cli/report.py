"""``dondoc report draft/evidence`` and ``dondoc indicator list/report``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, select

from settings import Settings

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

report_app = typer.Typer(help="Báo cáo định kỳ CCHC và hồ sơ minh chứng.", no_args_is_help=True)
indicator_app = typer.Typer(help="Chỉ tiêu của kế hoạch: xem và báo cáo kết quả.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(indicator_app, name="indicator")
err = Console(stderr=True, soft_wrap=True)
PLAN_OPTION = typer.Option(..., "--plan", help="Mã kế hoạch (xem 'dondoc status').")


def _fail(message: str) -> None:
    err.print(f"[red]{message}[/red]", highlight=False)
    raise typer.Exit(2)


def _open(plan_code: str):
    from cli.status import _engine
    from persistence.models import Plan

    settings = Settings()
    engine = _engine(settings)
    session = Session(engine, expire_on_commit=False)
    plan = session.exec(select(Plan).where(Plan.code == plan_code)).first()
    if plan is None:
        session.close()
        _fail(f"Không có kế hoạch mã «{plan_code}».")
    return settings, session, plan


@report_app.command("draft")
def draft_command(
    plan: str = PLAN_OPTION,
    period: str = typer.Option(..., "--period", help="Kỳ báo cáo: 2026-Q1, 2026-H1, 2026-Q3, 2026-Y."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Tệp .docx (mặc định: bao-cao-cchc-KẾ-HOẠCH-KỲ.docx)."),
) -> None:
    """Dự thảo báo cáo kết quả thực hiện công tác CCHC của một kỳ (Word)."""
    from domain.completion import rate_text
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar
    from reports.draft import default_filename, draft_report
    from reports.periods import PeriodError, parse_period

    settings, session, row = _open(plan)
    with session:
        try:
            the_period = parse_period(period, reporting_calendar(session.get(Organisation, row.organisation_id)))
        except PeriodError as error:
            _fail(str(error))
        data, blob = draft_report(session, row, the_period, settings.timezone)
        target = output or Path(default_filename(row, the_period))
    target.write_bytes(blob)
    state = "bản chính thức" if data.final else "DỰ THẢO"
    typer.echo(f"Đã ghi {target} ({state}; số liệu {data.window.text()}; {data.counts.total} lượt đến hạn, "
               f"tỷ lệ hoàn thành {rate_text(data.rate)}).")


@report_app.command("evidence")
def evidence_command(
    plan: str = PLAN_OPTION,
    year: int = typer.Option(..., "--year", help="Năm của hồ sơ minh chứng."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Tệp .zip (mặc định: minh-chung-KẾ-HOẠCH-NĂM.zip)."),
) -> None:
    """Hồ sơ minh chứng (tài liệu kiểm chứng) của một năm: tệp .zip theo lĩnh vực, nhiệm vụ, kèm mục lục."""
    from reports.evidence import build_pack, default_filename

    settings, session, row = _open(plan)
    with session:
        blob, entries = build_pack(session, row, year, Path(settings.data_dir).resolve() / "uploads")
        target = output or Path(default_filename(row, year))
    target.write_bytes(blob)
    files = sum(1 for e in entries if e.file)
    typer.echo(f"Đã ghi {target}: {len(entries)} minh chứng, {files} tệp đính kèm.")


@indicator_app.command("list")
def list_command(
    plan: str = PLAN_OPTION,
    period: str = typer.Option(..., "--period", help="Kỳ báo cáo, ví dụ 2026-Q1."),
) -> None:
    """Các chỉ tiêu, mục tiêu và kết quả của một kỳ."""
    from reports.indicators import indicator_lines

    _, session, row = _open(plan)
    with session:
        lines = indicator_lines(session, row, period)
    table = Table(title=f"Chỉ tiêu — {period}")
    for column in ("Mã", "Chỉ tiêu", "Chủ trì", "Mục tiêu", "Kết quả", "Đánh giá"):
        table.add_column(column)
    for line in lines:
        table.add_row(line.code, line.name, line.owner, line.target_text, line.actual_text, line.status_label)
    Console(soft_wrap=True).print(table)


@indicator_app.command("report")
def report_command(
    code: str = typer.Argument(..., help="Mã chỉ tiêu, ví dụ CT-03a."),
    plan: str = PLAN_OPTION,
    period: str = typer.Option(..., "--period", help="Kỳ báo cáo, ví dụ 2026-Q1."),
    value: float | None = typer.Option(None, "--value", help="Số liệu thực tế (tỷ lệ: số phần trăm)."),
    achieved: bool | None = typer.Option(None, "--achieved/--not-achieved", help="Chỉ tiêu không có số: đạt hay chưa."),
    document: str | None = typer.Option(None, "--document", help="Số văn bản minh chứng."),
    document_date: str | None = typer.Option(None, "--date", help="Ngày văn bản DD/MM/YYYY."),
    link: str | None = typer.Option(None, "--link", help="Đường dẫn minh chứng."),
    note: str = typer.Option("", "--note", help="Ghi chú (cách tính, số liệu cụ thể)."),
    by: str | None = typer.Option(None, "--by", "--as", help="Người báo cáo (tên đăng nhập của cơ quan thường trực "
                                  "hoặc công chức đơn vị chủ trì; mặc định: người quản trị trên máy chủ)."),
) -> None:
    """Báo cáo kết quả thực tế của một chỉ tiêu trong một kỳ."""
    from cli.status import _actor
    from domain.clock import parse_vn_date
    from domain.rules import INDICATOR_REFUSAL, Actor, can_report_indicator
    from persistence.models import Officer, Organisation
    from persistence.read_model import unit_codes_of
    from reports.indicators import IndicatorError, find_indicator, indicator_lines, report_value
    from reports.periods import PeriodError, parse_period

    try:
        parse_period(period)
        day = parse_vn_date(document_date)
    except (PeriodError, ValueError) as error:
        _fail(str(error))
    _, session, row = _open(plan)
    with session:
        indicator = find_indicator(session, row, code)
        if indicator is None:
            _fail(f"Kế hoạch {plan} không có chỉ tiêu {code}.")
        organisation = session.get(Organisation, row.organisation_id)
        actor = _actor(session, organisation, by)
        officer = session.exec(select(Officer).where(Officer.organisation_id == organisation.id,
                                                     Officer.username == actor)).first() if by else None
        if officer is not None and not can_report_indicator(Actor(
                id=officer.id, username=officer.username, full_name=officer.full_name, role=officer.role,
                organisation_id=organisation.id, organisation_name=organisation.name,
                unit_codes=unit_codes_of(session, officer.id)), indicator.owner_unit):
            _fail(f"{officer.full_name}: {INDICATOR_REFUSAL}")
        evidence = {k: v for k, v in (("document_number", document), ("document_date", day.isoformat() if day else None),
                                      ("link", link), ("note", note)) if v}
        try:
            report_value(session, indicator, period, value=value, achieved=achieved, evidence=evidence, note=note,
                         by=actor)
        except IndicatorError as error:
            _fail(str(error))
        session.commit()
        line = next(line for line in indicator_lines(session, row, period) if line.code == indicator.code)
    typer.echo(f"{line.code}: mục tiêu {line.target_text}, kết quả {line.actual_text} — {line.status_label}.")
