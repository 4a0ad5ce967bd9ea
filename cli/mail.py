"""``dondoc mail``: the mails the local catcher kept (when no SMTP server is configured), and the outbox."""

from __future__ import annotations

from datetime import timezone

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from notifications.catcher import find_mail, list_mails, mail_dir
from settings import Settings

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

mail_app = typer.Typer(help="Thư đã gửi vào hộp thư thử nghiệm (khi chưa cấu hình máy chủ SMTP) "
                            "và hàng đợi thông báo (outbox).",
                       no_args_is_help=True)
app.add_typer(mail_app, name="mail")


@mail_app.command("list")
def list_command(
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Số thư mới nhất cần hiện."),
) -> None:
    """Liệt kê thư trong hộp thư thử nghiệm: mã, thời gian, người nhận, tiêu đề."""
    settings = Settings()
    directory = mail_dir(settings)
    mails = list_mails(directory)
    console = Console()
    if not mails:
        console.print(f"Chưa có thư nào trong {escape(str(directory))}.")
        return
    shown = mails[-limit:]
    table = Table(title=escape(f"Hộp thư thử nghiệm ({len(mails)} thư, {directory})"))
    table.add_column("Mã", no_wrap=True)
    table.add_column("Thời gian", no_wrap=True)
    table.add_column("Người nhận")
    table.add_column("Tiêu đề")
    tz = _zone(settings)
    for mail in reversed(shown):
        table.add_row(mail.id, f"{mail.received.astimezone(tz):%d/%m/%Y %H:%M}", escape(mail.header("To")),
                      escape(mail.header("Subject")))
    console.print(table)


@mail_app.command("outbox")
def outbox_command(
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Số thông báo mới nhất cần hiện."),
    status: str | None = typer.Option(None, "--status", help="Chỉ hiện một trạng thái: pending, sent, failed, skipped."),
) -> None:
    """Liệt kê hàng đợi thông báo (outbox): đã gửi, chờ gửi, gửi lỗi, bỏ qua (kèm lý do)."""
    from sqlmodel import Session, select

    from persistence.db import create_schema, make_engine
    from persistence.models import Notification, NotificationStatus
    from notifications.dispatch import status_text
    from notifications.render import kind_label

    wanted = None
    if status:
        try:
            wanted = NotificationStatus(status.strip().lower())
        except ValueError:
            typer.echo(f"Trạng thái '{status}' không hợp lệ (cần: "
                       f"{', '.join(s.value for s in NotificationStatus)}).", err=True)
            raise typer.Exit(2) from None
    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    try:
        create_schema(engine)
        with Session(engine) as session:
            query = select(Notification)
            if wanted is not None:
                query = query.where(Notification.status == wanted)
            rows = list(session.exec(query.order_by(Notification.id.desc()).limit(limit)))
    finally:
        engine.dispose()
    console = Console()
    if not rows:
        console.print("Hàng đợi thông báo trống.")
        return
    tz = _zone(settings)
    table = Table(title=f"Hàng đợi thông báo ({len(rows)} mới nhất)")
    table.add_column("Số", no_wrap=True)
    table.add_column("Tạo lúc", no_wrap=True)
    table.add_column("Người nhận")
    table.add_column("Loại")
    table.add_column("Nhiệm vụ")
    table.add_column("Trạng thái")
    for row in rows:
        created = row.created_at.replace(tzinfo=row.created_at.tzinfo or timezone.utc).astimezone(tz)
        task = (row.context or {}).get("task_code") or (f"#{row.task_id}" if row.task_id else "")
        recipient = f"{row.recipient_name} <{row.recipient_email}>" if row.recipient_name else row.recipient_email
        table.add_row(str(row.id), f"{created:%d/%m/%Y %H:%M}", escape(recipient), escape(kind_label(row.kind)),
                      escape(str(task)), escape(status_text(row)))
    console.print(table)


@mail_app.command("show")
def show_command(mail_id: str = typer.Argument(..., help="Mã thư (hoặc phần đầu của mã) trong 'dondoc mail list'.")) -> None:
    """In một thư: các trường tiêu đề đã giải mã và phần văn bản."""
    settings = Settings()
    mail = find_mail(mail_dir(settings), mail_id)
    if mail is None:
        typer.echo(f"Không tìm thấy thư '{mail_id}' (hoặc mã trùng nhiều thư).", err=True)
        raise typer.Exit(2)
    console = Console()
    for name, label in (("Date", "Ngày"), ("From", "Từ"), ("To", "Đến"), ("Subject", "Tiêu đề"),
                        ("Message-ID", "Message-ID")):
        value = mail.header(name)
        if name == "Date":
            value = local_date_text(value, _zone(settings))
        console.print(f"[bold]{label}:[/bold] {escape(value)}", highlight=False)
    console.print(f"[dim]Tệp: {escape(str(mail.path))}[/dim]")
    console.print()
    console.print(mail.text(), highlight=False, markup=False)


def local_date_text(header: str, tz) -> str:
    """An RFC 5322 Date header as people read it: "02/12/2026 07:30" in the local zone."""
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return header
    if moment.tzinfo is None:  # "-0000": UTC by RFC 5322
        moment = moment.replace(tzinfo=timezone.utc)
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}"


def _zone(settings: Settings):
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)
