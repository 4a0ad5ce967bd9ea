"""``dondoc status``, ``dondoc task show/done/extend``, ``dondoc user set-password``: the dashboard in a terminal."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlmodel import Session, select

from domain.clock import parse_vn_date
from domain.status import BUCKETS, LABELS, RICH_STYLES, STATUS_LABELS, classify, local_date
from domain.text import vietnamese_sort_key
from persistence.models import OccurrenceStatus, Officer, Organisation, Role
from settings import Settings

# This module's commands; cli.main merges them into the root `dondoc` command.
app = typer.Typer()

console = Console()
err = Console(stderr=True)

task_app = typer.Typer(help="Xem và cập nhật một nhiệm vụ.", no_args_is_help=True)
user_app = typer.Typer(help="Tài khoản đăng nhập bảng điều khiển.", no_args_is_help=True)
export_app = typer.Typer(help="Xuất tình hình thực hiện.", no_args_is_help=True)

ORG_OPTION = typer.Option(None, "--org", help="Mã đơn vị (khi cơ sở dữ liệu có nhiều đơn vị).")


def _engine(settings: Settings):
    from cli.service import explain_failures
    from runtime.database import open_database

    with explain_failures():  # run outside the data folder: says which database, creates none
        return open_database(settings)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]{message}[/red]", highlight=False)
    raise typer.Exit(code)


def pick_organisation(session: Session, code: str | None) -> Organisation:
    """The organisation named by ``--org``, or the only one in the database."""
    if code:
        org = session.exec(select(Organisation).where(Organisation.code == code)).first()
        if org is None:
            _fail(f"Không có đơn vị mã «{code}».")
        return org
    orgs = list(session.exec(select(Organisation)).all())
    if not orgs:
        _fail("Cơ sở dữ liệu chưa có đơn vị nào: chạy 'dondoc org load' và 'dondoc plan activate' trước.")
    if len(orgs) > 1:
        _fail("Có nhiều đơn vị, hãy chọn bằng --org: " + ", ".join(o.code for o in orgs))
    return orgs[0]


# ``--by`` left out: the action is the operator's on the server (recorded as "admin").
OPERATOR = "admin"
BY_HELP = "(tên đăng nhập của một cán bộ đang hoạt động; mặc định: người quản trị trên máy chủ)."


def _actor(session: Session, organisation: Organisation, by: str | None) -> str:
    """The username ``--by`` names, refused unless it is an active officer of the organisation."""
    if by is None:
        return OPERATOR
    officer = session.exec(select(Officer).where(Officer.organisation_id == organisation.id,
                                                 Officer.username == by.strip())).first()
    if officer is None:
        _fail(f"Không có cán bộ nào tên đăng nhập «{by}» ở {organisation.name}: "
              "xem danh sách bằng 'dondoc user list' rồi ghi đúng --by.")
    if not officer.active:
        _fail(f"Tài khoản «{by}» ({officer.full_name}) đã ngừng hoạt động: không thể thao tác thay người này.")
    return officer.username


def _pending_extension(session: Session, occurrence) -> object | None:
    """The occurrence's extension request not decided yet (its event), if any."""
    from persistence.models import Event

    last = session.exec(
        select(Event).where(Event.occurrence_id == occurrence.id, Event.kind.like("extension%"))
        .order_by(Event.at.desc(), Event.id.desc())
    ).first()
    return last if last is not None and last.kind in ("extension_requested", "extension_request") else None


def _bucket_text(bucket) -> Text:
    if bucket is None:
        return Text("Đã huỷ", style="dim")
    return Text(LABELS[bucket], style=RICH_STYLES[bucket])


def _parse_date(text: str) -> date:
    try:
        day = parse_vn_date(text)
    except ValueError as error:
        _fail(str(error))
        raise
    if day is None:
        _fail("Cần ghi ngày (dạng ngày/tháng/năm, ví dụ 20/03/2026).")
    assert day is not None
    return day


@app.command("status")
def status(
    unit: str = typer.Option(None, "--unit", "-u", help="Chỉ cơ quan chủ trì này (mã hoặc một phần tên)."),
    overdue: bool = typer.Option(False, "--overdue", help="Chỉ các kỳ quá hạn chưa hoàn thành, lâu nhất trước."),
    period: str = typer.Option(None, "--period", help="Kỳ báo cáo tiến độ: 2026-Q1, 2026-H1, 2026-Q3, 2026-Y."),
    year: int = typer.Option(None, "--year", help="Năm kế hoạch (mặc định: năm của kỳ hiện tại)."),
    org: str = ORG_OPTION,
) -> None:
    """Tình hình thực hiện: bốn nhóm tình trạng theo cơ quan chủ trì, hoặc danh sách kỳ."""
    from domain.text import fold
    from persistence.read_model import build_snapshot, today_in

    settings = Settings()
    engine = _engine(settings)
    if period or year:
        _progress_status(settings, engine, org, year, period, unit)
        return
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        snap = build_snapshot(session, organisation.id, today_in(settings.timezone), settings.timezone)
    rows = snap.rows
    if unit:
        wanted = {c for c, name in snap.units.items() if c == unit or fold(unit) in fold(name)}
        if not wanted:
            _fail(f"Không có cơ quan nào khớp «{unit}».")
        rows = [r for r in rows if wanted.intersection(r.lead_units)]
    counts_line = Text(f"{organisation.name} — ngày {snap.today:%d/%m/%Y}: ")
    from domain.status import Counts

    counts = Counts()
    for r in rows:
        counts.add(r.bucket)
    for i, b in enumerate(BUCKETS):
        counts_line.append(f"{LABELS[b]} {counts.get(b)}", style=RICH_STYLES[b])
        counts_line.append(" · " if i < len(BUCKETS) - 1 else f" (tổng {counts.total})")
    console.print(counts_line)

    if overdue or unit:
        listed = [r for r in rows if r.bucket is not None]
        if overdue:
            listed = sorted((r for r in listed if r.days_overdue), key=lambda r: (-r.days_overdue, r.task_code))
        table = Table(title="Quá hạn chưa hoàn thành" if overdue else f"Nhiệm vụ của {', '.join(snap.unit_name(c) for c in sorted(wanted))}")
        for col in ("Mã", "Nhiệm vụ", "Chủ trì", "Kỳ", "Hạn", "Tình trạng"):
            table.add_column(col, overflow="fold", no_wrap=col in ("Mã", "Hạn"))
        for r in listed:
            state = _bucket_text(r.bucket)
            if r.days_overdue:
                state.append(f" ({r.days_overdue} ngày)")
            table.add_row(r.task_code, r.title[:70], "; ".join(snap.unit_name(c) for c in r.lead_units), r.period,
                          f"{r.effective_due:%d/%m/%Y}", state)
        console.print(table)
        return
    table = Table(title="Theo cơ quan chủ trì")
    table.add_column("Cơ quan chủ trì")
    for b in BUCKETS:
        table.add_column(LABELS[b], justify="right", style=RICH_STYLES[b])
    table.add_column("Tổng", justify="right")
    for code, c in sorted(snap.by_unit.groups.items(), key=lambda kv: (-kv[1].overdue, vietnamese_sort_key(snap.unit_name(kv[0])))):
        table.add_row(snap.unit_name(code), *(str(c.get(b)) for b in BUCKETS), str(c.total))
    console.print(table)


def _progress_status(settings: Settings, engine, org: str | None, year: int | None, period: str | None,
                     unit: str | None) -> None:
    """Every task of the plan year with its progress update of the period (web.progress)."""
    from persistence.models import Unit
    from persistence.progress_report import STATE_LABELS, STATES, progress_report
    from persistence.read_model import today_in

    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        try:
            report = progress_report(session, organisation, today_in(settings.timezone), year, period)
        except ValueError as error:
            _fail(str(error))
        units = {u.code: u.name for u in session.exec(select(Unit).where(Unit.organisation_id == organisation.id))}
    rows = [r for r in report.rows if not unit or unit in r.lead_units]
    p = report.period
    console.print(f"{organisation.name} — báo cáo tiến độ {p.label} (hạn công chức {p.cutoff:%d/%m/%Y}, "
                  f"hạn báo cáo {p.report_due:%d/%m/%Y}): "
                  + " · ".join(f"{STATE_LABELS[s]} {sum(1 for r in rows if r.state == s)}" for s in STATES)
                  + f" (tổng {len(rows)})", highlight=False)
    table = Table(title=f"Nhiệm vụ — {p.title}")
    for col in ("Mã", "Nhiệm vụ", "Chủ trì", "Thời hạn", "Báo cáo kỳ", "Tình trạng", "Ghi chú"):
        table.add_column(col, overflow="fold", no_wrap=col == "Mã")
    from domain.vocabulary import ProgressStatus

    for r in rows:
        table.add_row(r.task_code, r.title[:60], "; ".join(units.get(c, c) for c in r.lead_units),
                      r.deadline_text or "", STATE_LABELS[r.state],
                      ProgressStatus.label_of(r.progress_status) if r.progress_status else "",
                      r.review_reason or "")
    console.print(table)


@task_app.command("report")
def task_report(
    code: str,
    period: str = typer.Option(..., "--period", help="Kỳ báo cáo: 2026-Q1, 2026-H1, 2026-Q3, 2026-Y."),
    status_: str = typer.Option(..., "--status", help="not_started | in_progress | done | blocked."),
    result: str = typer.Option(..., "--result", help="Kết quả thực hiện trong kỳ."),
    document: str = typer.Option(None, "--document", help="Số văn bản minh chứng."),
    document_date: str = typer.Option(None, "--date", help="Ngày văn bản DD/MM/YYYY."),
    link: str = typer.Option(None, "--link", help="Đường dẫn minh chứng."),
    by: str = typer.Option(None, "--by", help="Người báo cáo " + BY_HELP),
    plan: str = typer.Option(None, "--plan", help="Mã kế hoạch."),
    org: str = ORG_OPTION,
) -> None:
    """Báo cáo tiến độ một kỳ của nhiệm vụ (tình trạng, kết quả, minh chứng)."""
    from actions.perform import ActionRequest
    from domain.vocabulary import ProgressStatus

    statuses = {s.value for s in ProgressStatus}
    if status_ not in statuses:
        _fail(f"Tình trạng «{status_}» không hợp lệ; chọn: {', '.join(sorted(statuses))}.")
    settings = Settings()
    engine = _engine(settings)
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        actor = _actor(session, organisation, by)
        task = _find_task(session, organisation.id, code, plan)
    evidence = {k: v for k, v in {"document_number": document, "link": link,
                                  "document_date": _parse_date(document_date).isoformat() if document_date else None}.items() if v}
    after = _run_action(settings, engine, task.id, ActionRequest("progress", f"{period}.progress", evidence=evidence,
                                                                 progress_status=status_, result=result), actor)
    console.print(f"Đã báo cáo tiến độ {task.code} — {after.period}: {STATUS_LABELS[after.status]}.")


def _find_task(session: Session, org_id: int, code: str, plan: str | None):
    from persistence.read_model import find_tasks_by_code

    tasks = find_tasks_by_code(session, org_id, code, plan)
    if not tasks:
        _fail(f"Không có nhiệm vụ mã «{code}».")
    if len(tasks) > 1:
        from persistence.models import Plan

        codes = ", ".join(session.get(Plan, t.plan_id).code for t in tasks)
        _fail(f"Mã «{code}» có ở nhiều kế hoạch ({codes}): hãy chọn bằng --plan.")
    return tasks[0]


@task_app.command("show")
def task_show(code: str, plan: str = typer.Option(None, "--plan", help="Mã kế hoạch."), org: str = ORG_OPTION) -> None:
    """Nội dung, các kỳ, minh chứng và diễn biến của một nhiệm vụ."""
    from domain.clock import vn_moment
    from domain.vocabulary import event_label
    from exports.excel import evidence_text
    from persistence.read_model import task_detail, today_in

    settings = Settings()
    engine = _engine(settings)
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        task = _find_task(session, organisation.id, code, plan)
        d = task_detail(session, organisation.id, task.id)
    today = today_in(settings.timezone)
    console.print(f"[bold]{d.task.code}. {d.task.title}[/bold]  [dim]({d.plan.code})[/dim]")
    if d.task.text and d.task.text != d.task.title:
        console.print(d.task.text, highlight=False)
    console.print(f"Chủ trì: {'; '.join(d.units.get(c, c) for c in d.task.lead_units) or '—'}", highlight=False)
    console.print(f"Phối hợp: {'; '.join(d.units.get(c, c) for c in d.task.coordinating_units) or '—'}", highlight=False)
    console.print(f"Thời gian hoàn thành: {d.task.deadline_text or '—'}", highlight=False)
    table = Table(title="Các kỳ")
    for col in ("Kỳ", "Mã kỳ", "Hạn", "Gia hạn", "Trạng thái", "Tình trạng", "Minh chứng"):
        table.add_column(col, overflow="fold", no_wrap=col in ("Mã kỳ", "Hạn", "Gia hạn"))
    for o in d.occurrences:
        bucket = classify(o.status, o.effective_due, local_date(o.completed_at, settings.timezone), today)
        table.add_row(o.period, o.key, f"{o.due:%d/%m/%Y}", f"{o.extended_due:%d/%m/%Y}" if o.extended_due else "",
                      STATUS_LABELS[o.status], _bucket_text(bucket), evidence_text(o.evidence))
    console.print(table)
    if d.events:
        timeline = Table(title="Diễn biến")
        for col in ("Lúc", "Sự kiện", "Người"):
            timeline.add_column(col)
        for e in d.events:
            timeline.add_row(vn_moment(e.at, settings.timezone), event_label(e.kind), e.actor or "")
        console.print(timeline)


def _pick_occurrence(session: Session, task, key: str | None, statuses: tuple[OccurrenceStatus, ...]):
    from persistence.models import Occurrence

    query = select(Occurrence).where(Occurrence.task_id == task.id)
    if key:
        occ = session.exec(query.where(Occurrence.key == key)).first()
        if occ is None:
            _fail(f"Nhiệm vụ {task.code} không có kỳ «{key}».")
        return occ
    occ = session.exec(query.where(Occurrence.status.in_(statuses)).order_by(Occurrence.due)).first()
    if occ is None:
        _fail(f"Nhiệm vụ {task.code} không còn kỳ nào chưa hoàn thành.")
    return occ


def _run_action(settings: Settings, engine, task_id: int, request, actor: str):
    from actions.perform import ActionError, perform
    from runtime.devserver import TemporalUnavailable, connect

    async def provider():
        return await connect(settings)

    try:
        return asyncio.run(perform(provider, engine, None, task_id, request, actor=actor))
    except ActionError as error:
        _fail(error.message)
    except TemporalUnavailable as error:
        _fail(str(error))


@task_app.command("done")
def task_done(
    code: str,
    evidence: str = typer.Option(..., "--evidence", "-e", help="Minh chứng: số văn bản, đường dẫn hoặc ghi chú."),
    document_date: str = typer.Option(None, "--date", help="Ngày văn bản DD/MM/YYYY."),
    occurrence: str = typer.Option(None, "--occurrence", help="Mã kỳ (mặc định: kỳ chưa hoàn thành sớm nhất)."),
    by: str = typer.Option(None, "--by", help="Người báo cáo " + BY_HELP),
    plan: str = typer.Option(None, "--plan", help="Mã kế hoạch."),
    org: str = ORG_OPTION,
) -> None:
    """Báo cáo hoàn thành một kỳ của nhiệm vụ, kèm minh chứng."""
    from actions.perform import ActionRequest

    settings = Settings()
    engine = _engine(settings)
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        actor = _actor(session, organisation, by)
        task = _find_task(session, organisation.id, code, plan)
        occ = _pick_occurrence(session, task, occurrence, (OccurrenceStatus.OPEN,))
    ev: dict = {"note": evidence}
    if evidence.lower().startswith(("http://", "https://")):
        ev = {"link": evidence}
    elif "/" in evidence and len(evidence) < 40 and " " not in evidence.strip():
        ev = {"document_number": evidence}  # "45/BC-UBND"
    if document_date:
        ev["document_date"] = _parse_date(document_date).isoformat()
    after = _run_action(settings, engine, task.id, ActionRequest("submit", occ.key, note=ev.get("note", ""), evidence=ev), actor)
    console.print(f"Đã báo cáo hoàn thành {task.code} — {occ.period}: {STATUS_LABELS[after.status]}.")


@task_app.command("extend")
def task_extend(
    code: str,
    to: str = typer.Option(..., "--to", help="Gia hạn đến ngày DD/MM/YYYY."),
    reason: str = typer.Option(..., "--reason", help="Lý do."),
    occurrence: str = typer.Option(None, "--occurrence", help="Mã kỳ (mặc định: kỳ chưa hoàn thành sớm nhất)."),
    by: str = typer.Option(None, "--by", help="Người đề nghị " + BY_HELP),
    plan: str = typer.Option(None, "--plan", help="Mã kế hoạch."),
    org: str = ORG_OPTION,
) -> None:
    """Đề nghị gia hạn một kỳ (Chủ tịch quyết định trên bảng điều khiển)."""
    from actions.perform import ActionRequest

    new_due = _parse_date(to)
    settings = Settings()
    engine = _engine(settings)
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        actor = _actor(session, organisation, by)
        task = _find_task(session, organisation.id, code, plan)
        occ = _pick_occurrence(session, task, occurrence, (OccurrenceStatus.OPEN, OccurrenceStatus.SUBMITTED))
        pending = _pending_extension(session, occ)
    if pending is not None:
        asked = (pending.data or {}).get("new_due")
        asked_text = f" đến {date.fromisoformat(asked):%d/%m/%Y}" if asked else ""
        _fail(f"Kỳ {occ.period} của nhiệm vụ {task.code} đã có đề nghị gia hạn{asked_text} "
              f"(của «{pending.actor}») đang chờ quyết định: chỉ gửi đề nghị mới sau khi đề nghị này được quyết định.")
    if new_due <= occ.effective_due:
        _fail(f"Ngày gia hạn phải sau hạn hiện tại ({occ.effective_due:%d/%m/%Y}).")
    _run_action(settings, engine, task.id, ActionRequest("request_extension", occ.key, new_due=new_due, reason=reason, note=reason), actor)
    console.print(f"Đã gửi đề nghị gia hạn {task.code} — {occ.period} đến {new_due:%d/%m/%Y}.")


@user_app.command("set-password")
def set_password(
    username: str,
    org: str = ORG_OPTION,
    password: str = typer.Option(..., prompt="Mật khẩu mới", hide_input=True, confirmation_prompt=True,
                                 help="Mật khẩu (không ghi ở đây thì được hỏi)."),
) -> None:
    """Đặt mật khẩu đăng nhập cho một tài khoản (từ tệp tổ chức)."""
    from domain.passwords import hash_password

    if len(password) < 8:
        _fail("Mật khẩu cần ít nhất 8 ký tự.")
    engine = _engine(Settings())
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        officer = session.exec(select(Officer).where(Officer.organisation_id == organisation.id, Officer.username == username)).first()
        if officer is None:
            _fail(f"Không có tài khoản «{username}» ở {organisation.name}.")
        officer.password_hash = hash_password(password)
        session.add(officer)
        name = organisation.name
        session.commit()
    console.print(f"Đã đặt mật khẩu cho {username} ({name}).")


@user_app.command("list")
def list_users(org: str = ORG_OPTION,
               all_: bool = typer.Option(False, "--all", help="Cả tài khoản đã ngừng hoạt động.")) -> None:
    """Liệt kê tài khoản của một tổ chức, xếp theo tên (thứ tự chữ cái tiếng Việt)."""
    from domain.text import vietnamese_sort_key
    from persistence.models import OfficerUnit, Unit

    engine = _engine(Settings())
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        query = select(Officer).where(Officer.organisation_id == organisation.id)
        officers = [o for o in session.exec(query) if all_ or o.active]
        units = dict(session.exec(select(Unit.id, Unit.name).where(Unit.organisation_id == organisation.id)).all())
        of_officer: dict[int, list[str]] = {}
        for link in session.exec(select(OfficerUnit).where(OfficerUnit.officer_id.in_([o.id for o in officers]))):
            if link.unit_id in units:
                of_officer.setdefault(link.officer_id, []).append(units[link.unit_id])
        name = organisation.name
    officers.sort(key=lambda o: vietnamese_sort_key(o.full_name, given_name_first=True))
    table = Table(title=f"Tài khoản của {name} ({len(officers)})")
    for col in ("Họ tên", "Tên đăng nhập", "Vai trò", "Đơn vị", "Thư điện tử", "Mật khẩu"):
        table.add_column(col)
    for o in officers:
        table.add_row(o.full_name + ("" if o.active else " (ngừng hoạt động)"), o.username,
                      Role.label_of(o.role), "; ".join(of_officer.get(o.id, [])), o.email,
                      "đã đặt" if o.password_hash else "chưa đặt")
    console.print(table)


@user_app.command("demo")
def demo_accounts(password: str = typer.Option("dondoc-demo", "--password", help="Mật khẩu cho các tài khoản thử.")) -> None:
    """Đặt mật khẩu thử cho mọi tài khoản chưa có mật khẩu (chỉ dùng để chạy thử trên máy)."""
    from demo.accounts import ensure_demo_accounts

    accounts = ensure_demo_accounts(_engine(Settings()), password)
    if not accounts:
        console.print("Mọi tài khoản đã có mật khẩu.")
        return
    table = Table(title=f"Tài khoản thử (mật khẩu: {password})")
    for col in ("Đơn vị", "Tên đăng nhập", "Họ tên", "Vai trò"):
        table.add_column(col)
    for a in accounts:
        table.add_row(a.organisation, a.username, a.full_name, a.role)
    console.print(table)


@export_app.command("excel")
def export_excel(plan: str, out: Path = typer.Option(None, "--out", "-o", help="Tệp .xlsx (mặc định: đặt theo số kế hoạch, ví dụ ke-hoach-12-KH-UBND-2026.xlsx)."),
                 org: str = ORG_OPTION) -> None:
    """Xuất tình hình thực hiện một kế hoạch ra Excel theo mẫu phụ lục."""
    from exports.excel import plan_workbook_bytes, workbook_filename
    from persistence.models import Plan
    from persistence.read_model import today_in

    settings = Settings()
    engine = _engine(settings)
    with Session(engine) as session:
        organisation = pick_organisation(session, org)
        row = session.exec(select(Plan).where(Plan.organisation_id == organisation.id, Plan.code == plan)).first()
        if row is None:
            _fail(f"Không có kế hoạch «{plan}».")
        data = plan_workbook_bytes(session, row, today_in(settings.timezone), settings.timezone)
        filename = workbook_filename(row)
    target = out or Path(filename)
    target.write_bytes(data)
    console.print(f"Đã ghi {target}.")
