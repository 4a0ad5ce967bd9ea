"""Server-rendered pages (Vietnamese) and the form actions behind them."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from actions.perform import (
    NOTE_LIMIT,
    UPLOAD_TYPES,
    ActionError,
    ActionRequest,
    check_allowed,
    perform,
    stored_name,
    upload_problem,
)
from domain import clock
from domain.status import Bucket, my_work_key
from domain.vocabulary import ProgressStatus
from persistence import read_model as queries
from persistence.models import (
    Notification,
    Occurrence,
    OccurrenceStatus,
    Officer,
    Organisation,
    Plan,
)
from web.app import page
from web.auth import (
    SESSION_COOKIE,
    CurrentUser,
    LoginRefused,
    authenticate,
    can_act_as_owner,
    can_decide_extension,
    can_review,
    new_csrf_token,
    owns,
    start_session,
)
from web.deps import (
    check_csrf,
    current_user,
    forget_session,
    get_db,
    optional_user,
    session_data,
)
from web.uploads import StreamedForm, keep, read_form, remove_kept

router = APIRouter()

PAGE_SIZE = 50
AWAITING = "awaiting"  # the task list's filter for reports awaiting confirmation


def parse_vn_date(text: str | None) -> date | None:
    """domain.clock's reading of a typed date, refused as a form error (400)."""
    try:
        return clock.parse_vn_date(text)
    except ValueError as error:
        raise ActionError(400, str(error)) from None


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def set_session(request: Request, response: Response, payload: dict) -> None:
    signer = request.app.state.signer
    response.set_cookie(
        SESSION_COOKIE, signer.dumps(payload), max_age=signer.max_age, httponly=True, samesite="lax",
        secure=request.app.state.secure_cookies, path="/",
    )


# --- login ------------------------------------------------------------------------------------


@router.get("/", include_in_schema=False)
def root(user: CurrentUser | None = Depends(optional_user)) -> Response:
    from web.accounts import landing_for  # each role lands on its own page

    return RedirectResponse(landing_for(user) if user else "/login", status_code=303)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/", username: str = "", organisation: str = "", done: str = "") -> Response:
    data = session_data(request)
    token = data["c"] if data and data.get("c") else new_csrf_token()
    response = page(request, "login.html", {"user": None, "next": _safe_next(next), "error": None, "csrf": token,
                                            "username": username, "organisation": organisation, "done": bool(done)})
    if not (data and data.get("c")):
        set_session(request, response, {"u": None, "o": None, "c": token})
    return response


@router.post("/login", include_in_schema=False, dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    organisation: str = Form(""),
    next: str = Form("/"),
    db: Session = Depends(get_db),
) -> Response:
    try:
        officer = authenticate(db, request.app.state.login_throttle, username, password, organisation,
                               request.client.host if request.client else None)
    except LoginRefused as refused:
        # A fresh CSRF token after every attempt as well as at login.
        token = new_csrf_token()
        # The username stays typed; the organisations are offered only once the password matched.
        response = page(request, "login.html", {"user": None, "next": _safe_next(next), "error": refused.message, "csrf": token,
                                                "username": username.strip(), "organisation": organisation.strip(),
                                                "choices": refused.choices}, status_code=refused.status)
        set_session(request, response, {"u": None, "o": None, "c": token})
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    # A fresh CSRF token at login: a token seen before login is worthless after it.
    set_session(request, response, {"u": officer.id, "o": officer.organisation_id, "c": new_csrf_token(),
                                    "s": start_session(db, officer)})
    return response


@router.post("/logout", include_in_schema=False, dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    forget_session(request)  # a copied cookie stops working too
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- overview and lists -----------------------------------------------------------------------


def _snapshot(request: Request, user: CurrentUser, db: Session) -> queries.Snapshot:
    return request.app.state.snapshots.get(user.organisation_id, db)


async def snapshot_for(request: Request, user: CurrentUser) -> queries.Snapshot:
    """The organisation's snapshot; the DB is touched only when it must be rechecked."""
    cache = request.app.state.snapshots
    snap = cache.peek(user.organisation_id)
    if snap is None:
        snap = await run_in_threadpool(cache.get, user.organisation_id)
    return snap


def render_fragment(request: Request, template: str, context: dict) -> Markup:
    """A page body rendered without request- or user-specific content."""
    return Markup(request.app.state.templates.get_template(template).render(**context))


@router.get("/ky", include_in_schema=False)
def choose_period_view(period: str = "", next: str = "/overview", user: CurrentUser = Depends(current_user)) -> Response:
    """The picker: remember the chosen period (a cookie) and go back to the page."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    from domain.reporting import parse_period_key
    from web.progress import PERIOD_COOKIE

    try:
        parse_period_key(period)
        response.set_cookie(PERIOD_COOKIE, period, max_age=180 * 86400, httponly=True, samesite="lax", path="/")
    except ValueError:
        response.delete_cookie(PERIOD_COOKIE, path="/")
    return response


def _period_report(request: Request, user: CurrentUser, chosen: Any) -> Any:
    from web import progress as progress_view

    with Session(request.app.state.engine) as db:
        org = db.get(Organisation, user.organisation_id)
        return progress_view.progress_report(db, org, queries.today_in(request.app.state.settings.timezone),
                                             chosen.year, chosen.period.key)


def _inbox_context(request: Request, user: CurrentUser, back: str) -> dict:
    from web import progress as progress_view

    with Session(request.app.state.engine, expire_on_commit=False) as db:
        return {"inbox": progress_view.inbox(db, user.organisation_id), "names": queries.full_names(db, user.organisation_id),
                "back": back}


# Rendered once per snapshot with this stand-in, then the user's own token is put in its place.
CSRF_STAND_IN = "csrf-stand-in-5d1f0c"


async def cached_inbox(request: Request, user: CurrentUser, snap: queries.Snapshot, back: str) -> Markup:
    """The organisation's "chờ xác nhận" inbox, computed once per snapshot (a submitted or
    reviewed report changes the occurrences, so the snapshot), with ``user``'s CSRF token."""

    def compute() -> str:
        context = _inbox_context(request, user, back)
        return str(render_fragment(request, "inbox.html", {"user": SimpleNamespace(csrf_token=CSRF_STAND_IN), **context}))

    key = ("inbox.html", back)
    html = snap.memo.get(key)
    if html is None:
        html = await run_in_threadpool(snap.remember, key, compute)
    return Markup(html.replace(CSRF_STAND_IN, str(Markup.escape(user.csrf_token))))


def all_areas(snap: queries.Snapshot, present: dict) -> list[str]:
    """Every reform area of the plans (zeros included), in the vocabulary's order, then any other."""
    order = list(queries.AREA_LABELS)
    keys = list(dict.fromkeys([*order[:-1], *present]))  # "khác" only when a task has it
    return sorted(keys, key=lambda k: order.index(k) if k in order else 99)


@router.get("/overview", include_in_schema=False)
async def overview(request: Request, ok: str | None = None, error: str | None = None,
                   user: CurrentUser = Depends(current_user)) -> Response:
    from domain.status import Counts
    from web.progress import STATE_LABELS, STATES, chosen_for

    snap = await snapshot_for(request, user)
    chosen = await run_in_threadpool(chosen_for, request, user.organisation_id)
    report = await run_in_threadpool(snap.remember, ("progress", chosen.period.key), lambda: _period_report(request, user, chosen))

    def body() -> Markup:
        by_unit, by_area = snap.figures(chosen.year)
        units = sorted(by_unit.groups.items(), key=lambda kv: (-kv[1].overdue, snap.unit_name(kv[0])))
        names = {**queries.AREA_LABELS, **snap.area_names()}
        areas = [(k, by_area.groups.get(k) or Counts()) for k in all_areas(snap, by_area.groups)]
        overdue = [r for r in snap.overdue() if r.year == chosen.year]
        upcoming = [r for r in snap.upcoming(14) if r.year == chosen.year]
        progress_units = sorted(report.by_unit.items(), key=lambda kv: (-kv[1].get("overdue", 0), snap.unit_name(kv[0])))
        year_periods = next((periods for y, periods in chosen.options if y == chosen.year), [])
        trend = queries.on_time_trend(snap, chosen.year, list(year_periods))
        return render_fragment(request, "overview_body.html", {
            "trend": trend, "chart": trend_chart(trend),
            "snap": snap, "counts": by_unit.overall, "units": units, "areas": areas, "year": chosen.year,
            "area_names": names, "upcoming": upcoming[:100], "overdue": overdue[:50], "overdue_total": len(overdue),
            "report": report, "progress_units": progress_units, "STATES": STATES, "STATE_LABELS": STATE_LABELS,
            "chosen": chosen,
        })

    content = snap.remember(("overview.html", chosen.period.key), body)
    if can_review(user):
        # The coordinator lands here: the inbox first (its forms carry the user's CSRF token).
        inbox = await cached_inbox(request, user, snap, "/overview")
        flash = "".join(f'<p class="flash {c}" role="status">{Markup.escape(m)}</p>' for c, m in (("ok", ok), ("err", error)) if m)
        content = Markup(flash) + inbox + content
    return page(request, "shell.html", {"user": user, "title": "Tổng quan", "body": content, "nav": "overview"})


def filter_rows(snap: queries.Snapshot, *, unit: str | None = None, area: str | None = None, bucket: str | None = None,
                plan: str | None = None, q: str | None = None, only: list[queries.OccRow] | None = None) -> list[queries.OccRow]:
    """The snapshot's rows matching the task-list filters."""
    from domain.text import fold

    rows = only if only is not None else snap.rows
    if unit:
        rows = [r for r in rows if unit in r.lead_units]
    if area:
        rows = [r for r in rows if r.area == area]
    if bucket == AWAITING:
        rows = [r for r in rows if r.status == OccurrenceStatus.SUBMITTED]
    elif bucket:
        # A report awaiting confirmation is counted apart from the done buckets.
        rows = [r for r in rows if r.bucket is not None and r.bucket.value == bucket and r.status != OccurrenceStatus.SUBMITTED]
    if plan:
        rows = [r for r in rows if r.plan_code == plan]
    if q:
        needle = fold(q)
        # Search matches the code, the title and the lead units' names.
        rows = [r for r in rows if needle in fold(f"{r.task_code} {r.title} {' '.join(snap.unit_name(u) for u in r.lead_units)}")]
    return rows


@dataclass
class TaskLine:
    """One task of the list: its deadlines of the year (as filtered) and its progress update of the period."""

    progress: object  # web.progress.ProgressRow
    deadlines: list


def task_lines(snap: queries.Snapshot, report, *, unit=None, area=None, bucket=None, plan=None, q=None,
               progress: str | None = None) -> list[TaskLine]:
    """Every task of the plan year (continuous ones too), filtered like the list asks."""
    from domain.text import fold

    year_rows = snap.of_year(report.year)
    by_task: dict[int, list] = {}
    for r in filter_rows(snap, bucket=bucket, only=year_rows):
        by_task.setdefault(r.task_id, []).append(r)
    lines = []
    needle = fold(q) if q else None
    for p in report.rows:
        if unit and unit not in p.lead_units:
            continue
        if area and p.area != area:
            continue
        if plan and p.plan_code != plan:
            continue
        if bucket and p.task_id not in by_task:
            continue
        if progress == "unreported" and p.state not in ("missing", "overdue", "returned"):
            continue
        if progress and progress != "unreported" and p.state != progress:
            continue
        if needle and needle not in fold(f"{p.task_code} {p.title} {' '.join(snap.unit_name(u) for u in p.lead_units)}"):
            continue
        lines.append(TaskLine(p, by_task.get(p.task_id, [])))
    return lines


@router.get("/tasks", include_in_schema=False)
async def task_list(
    request: Request, unit: str | None = None, area: str | None = None, bucket: str | None = None,
    plan: str | None = None, q: str | None = None, progress: str | None = None, page_no: int = 1,
    sort: str | None = None, dir: str = "asc", user: CurrentUser = Depends(current_user),
) -> Response:
    from web.progress import STATE_LABELS, STATES, chosen_for

    snap = await snapshot_for(request, user)
    chosen = await run_in_threadpool(chosen_for, request, user.organisation_id)
    report = await run_in_threadpool(snap.remember, ("progress", chosen.period.key), lambda: _period_report(request, user, chosen))
    filters = {k: v for k, v in {"unit": unit, "area": area, "bucket": bucket, "plan": plan, "q": q,
                                 "progress": progress}.items() if v}
    sort_by = sort if sort in queries.SORT_COLUMNS else None
    descending = dir == "desc"
    # The period asked for in the address stays in every link (sorting, pages).
    kept = {**filters, **({"period": request.query_params["period"]} if request.query_params.get("period") else {})}
    order = {"sort": sort_by, "dir": "desc" if descending else "asc"} if sort_by else {}

    def body() -> Markup:
        lines = task_lines(snap, report, **filters)
        if sort_by:
            lines = sort_lines(lines, snap, sort_by, descending)
        elif bucket == Bucket.OVERDUE.value:
            lines.sort(key=lambda line: -max((r.days_overdue for r in line.deadlines), default=0))
        pages = max(1, (len(lines) + PAGE_SIZE - 1) // PAGE_SIZE)
        number = min(max(1, page_no), pages)
        names = {**queries.AREA_LABELS, **snap.area_names()}
        return render_fragment(request, "tasks_body.html", {
            "snap": snap, "lines": lines[(number - 1) * PAGE_SIZE: number * PAGE_SIZE], "total": len(lines),
            "page_no": number, "pages": pages, "filters": filters, "query": urlencode({**kept, **order}),
            "heads": sort_heads(kept, sort_by, descending), "period_param": kept.get("period"),
            "area_names": {k: names.get(k, k) for k in all_areas(snap, {p.area: 1 for p in report.rows})},
            "report": report, "STATES": STATES, "STATE_LABELS": STATE_LABELS, "AWAITING": AWAITING,
        })

    key = ("tasks.html", chosen.period.key, tuple(sorted(kept.items())), tuple(order.items()), page_no)
    return page(request, "shell.html", {"user": user, "title": "Nhiệm vụ", "body": snap.remember(key, body), "nav": "tasks"})


# The task list's columns: (sort key, header text); every column sorts.
TASK_COLUMNS = (("code", "Mã"), ("title", "Nội dung"), ("lead", "Chủ trì"), ("due", "Hạn trong năm"), ("progress", "Báo cáo"))


def sort_lines(lines: list[TaskLine], snap: queries.Snapshot, column: str, descending: bool = False) -> list[TaskLine]:
    """The task lines ordered by ``column``; text columns in Vietnamese dictionary order.

    Lines without a value (a continuous task has no deadline) stay last either way.
    """
    from domain.text import vietnamese_sort_key
    from web.progress import STATES

    def value(line: TaskLine):
        p = line.progress
        if column == "code":
            return queries.code_sort_key(p.task_code)
        if column == "title":
            return vietnamese_sort_key(p.title)
        if column == "lead":
            return vietnamese_sort_key("; ".join(snap.unit_name(u) for u in p.lead_units)) if p.lead_units else None
        if column == "due":
            return min((r.effective_due for r in line.deadlines), default=None)
        return STATES.index(p.state) if p.state in STATES else len(STATES)

    present = [(value(line), queries.code_sort_key(line.progress.task_code), line) for line in lines]
    missing = [line for v, _, line in present if v is None]
    ordered = sorted((item for item in present if item[0] is not None), key=lambda item: (item[0], item[1]),
                     reverse=descending)
    return [line for _, _, line in ordered] + missing


def sort_heads(kept: dict, column: str | None, descending: bool) -> list[dict]:
    """Each header cell of the task list: its label, the link that sorts by it, its arrow.

    The link keeps the filters and the period; a second click on the sorted column
    reverses it.
    """
    heads = []
    for key, label in TASK_COLUMNS:
        current = key == column
        direction = "asc" if not current or descending else "desc"
        heads.append({
            "key": key, "label": label, "href": "/tasks?" + urlencode({**kept, "sort": key, "dir": direction}),
            "arrow": ("▼" if descending else "▲") if current else "",
            "aria": ("descending" if descending else "ascending") if current else None,
            "title": f"Sắp xếp theo {label.lower()} " + ("giảm dần" if direction == "desc" else "tăng dần"),
        })
    return heads


def trend_chart(trend: list[queries.TrendLine], width: int = 560, height: int = 220) -> dict:
    """Coordinates of the overview's on-time chart (an SVG drawn by the template).

    One polyline per plan over the year's reporting periods, 0–100 % on the y axis; a
    period where nothing counts yet has no point (the line breaks there).
    """
    left, right, top, bottom = 44, 16, 14, 34
    inner_w, inner_h = width - left - right, height - top - bottom
    periods = [p.label for p in trend[0].points] if trend else []
    # Each period in the middle of its own band: the axis labels never run off the edges.
    band = inner_w / max(1, len(periods))
    xs = [left + band * (i + 0.5) for i in range(len(periods))]
    colours = ("#0b5cad", "#1a7f37", "#b35900", "#6a1b9a", "#c62828", "#00838f")
    series = []
    for index, line in enumerate(trend):
        points, segments, current = [], [], []
        for x, point in zip(xs, line.points):
            if point.share is None:
                if current:
                    segments.append(current)
                current = []
                continue
            y = top + inner_h * (1 - point.share / 100)
            points.append({"x": round(x, 1), "y": round(y, 1), "point": point})
            current.append(f"{x:.1f},{y:.1f}")
        if current:
            segments.append(current)
        series.append({"line": line, "colour": colours[index % len(colours)], "points": points,
                       "segments": [" ".join(seg) for seg in segments if len(seg) > 1]})
    grid = [{"y": round(top + inner_h * (1 - v / 100), 1), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]
    return {"width": width, "height": height, "series": series, "grid": grid, "left": left, "right": width - right,
            "axis": [{"x": round(x, 1), "label": label} for x, label in zip(xs, periods)], "base": height - bottom + 18}


@router.post("/inbox/confirm", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def confirm_selected(request: Request, user: CurrentUser = Depends(current_user)) -> Response:
    """Confirm several reports of the "chờ xác nhận" inbox at once.

    Each ticked item (``task id:kind:occurrence key``) goes through ``actions.perform``
    exactly like a single confirmation; the page then says how many were confirmed, and
    which were refused and why.
    """
    form = await request.form()
    back = _safe_next(str(form.get("back") or "/overview"))
    picked = [str(v) for v in form.getlist("pick")]
    if not picked:
        return RedirectResponse(f"{back}?{urlencode({'error': 'Chưa chọn báo cáo nào để xác nhận.'})}#cho-xac-nhan",
                                status_code=303)
    done, refused = 0, []
    client = request.app.state.temporal.client
    for item in dict.fromkeys(picked):  # a duplicate tick counts once
        task_part, _, rest = item.partition(":")
        kind, _, key = rest.partition(":")
        label = _inbox_label(request, user, task_part, key)
        if not task_part.isdigit() or kind not in ("completion", "progress") or not key:
            refused.append(f"{label}: mục không hợp lệ")
            continue
        action = ActionRequest("review_progress" if kind == "progress" else "review", key, accepted=True)
        try:
            await perform(client, request.app.state.engine, user, int(task_part), action)
            done += 1
        except ActionError as error:
            refused.append(f"{label}: {error.message}")
    request.app.state.snapshots.invalidate(user.organisation_id)
    request.app.state.__dict__.get("_inbox_cache", {}).pop(user.organisation_id, None)
    params = {"ok": f"Đã xác nhận {done} báo cáo." if done else None,
              "error": (f"Không xác nhận được {len(refused)} báo cáo: " + "; ".join(refused)) if refused else None}
    return RedirectResponse(f"{back}?{urlencode({k: v for k, v in params.items() if v})}#cho-xac-nhan", status_code=303)


def _inbox_label(request: Request, user: CurrentUser, task_part: str, key: str) -> str:
    """How a refused item is named in the summary: the task's code and the period."""
    if task_part.isdigit():
        with Session(request.app.state.engine) as db:
            task = queries.get_task(db, user.organisation_id, int(task_part))
            if task is not None:
                return f"nhiệm vụ {task.code} ({key.removesuffix('.progress')})"
    return f"mục «{task_part}»"


@router.get("/my", include_in_schema=False)
def my_tasks(request: Request, ok: str | None = None, error: str | None = None,
             user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from web import progress as progress_view

    snap = _snapshot(request, user, db)
    chosen = progress_view.chosen_for(request, user.organisation_id)
    rows = [r for r in snap.of_year(chosen.year) if owns(user, r.lead_units, r.lead_username)]
    # Overdue first, then due this week, then the period's progress updates, then the rest.
    open_rows = sorted((r for r in rows if r.status == OccurrenceStatus.OPEN),
                       key=lambda r: my_work_key(r.effective_due, snap.today, progress=r.key.endswith(".progress")))
    done_rows = [r for r in rows if r.status != OccurrenceStatus.OPEN]
    report = snap.remember(("progress", chosen.period.key), lambda: _period_report(request, user, chosen))
    mine = [p for p in report.rows if owns(user, p.lead_units, None)]
    returned = progress_view.returned_reports(db, user.organisation_id, sorted({r.task_id for r in rows} | {p.task_id for p in mine}))
    returned_rows = [(ret, r) for r in open_rows if (ret := returned.get(r.id))]
    officer = db.get(Officer, user.id)
    ical_url = f"{request.app.state.settings.base_url.rstrip('/')}/ical/{officer.ical_token}.ics" if officer.ical_token else None
    context = {
        "user": user, "snap": snap, "open_rows": open_rows, "done_rows": done_rows, "returned": returned,
        "returned_rows": returned_rows, "mine": mine, "report": report, "ical_url": ical_url, "nav": "my",
        "ok": ok, "error": error, "names": queries.full_names(db, user.organisation_id),
    }
    if can_review(user):
        context.update(_inbox_context(request, user, "/my"))
    return page(request, "my.html", context)


@router.post("/my/ical", include_in_schema=False, dependencies=[Depends(check_csrf)])
def new_ical_token(user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    officer = db.get(Officer, user.id)
    officer.ical_token = secrets.token_urlsafe(24)
    db.add(officer)
    db.commit()
    return RedirectResponse("/my#lich", status_code=303)


@router.get("/escalations", include_in_schema=False)
def escalations(request: Request, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from persistence.models import Event, Task

    snap = _snapshot(request, user, db)
    pending = pending_extensions(db, user.organisation_id)
    events = list(db.exec(
        select(Event, Task).join(Task, Task.id == Event.task_id)
        .where(Event.organisation_id == user.organisation_id, Event.kind.in_(("escalation", "overdue")))
        .order_by(Event.at.desc(), Event.id.desc()).limit(100)
    ).all())
    return page(request, "escalations.html", {
        "user": user, "snap": snap, "pending": pending, "overdue": snap.overdue()[:100], "events": events,
        "may_decide": can_decide_extension(user), "nav": "escalations",
    })


def pending_extensions(db: Session, organisation_id: int) -> list[tuple]:
    """(occurrence, task, request event) for every extension request not decided yet.

    A request is pending when its ``extension_requested`` event is newer than any
    ``extension_granted``/``extension_denied`` event of the same occurrence.
    """
    from persistence.models import Event, Task

    events = db.exec(
        select(Event).where(Event.organisation_id == organisation_id, Event.occurrence_id.is_not(None),
                            Event.kind.like("extension%")).order_by(Event.at, Event.id)
    ).all()
    last: dict[int, object] = {}
    for event in events:
        last[event.occurrence_id] = event
    result = []
    for occ_id, event in last.items():
        if event.kind in ("extension_requested", "extension_request"):
            occ = db.get(Occurrence, occ_id)
            if occ is None or occ.status in (OccurrenceStatus.DONE, OccurrenceStatus.CANCELLED):
                continue
            result.append((occ, db.get(Task, occ.task_id), event))
    return sorted(result, key=lambda t: t[0].effective_due)


@router.get("/mails", include_in_schema=False)
def mails(request: Request, page_no: int = 1, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    query = _mail_query(user)
    rows = list(db.exec(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                        .offset((max(page_no, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all())
    shown = rows[:PAGE_SIZE]
    facts = _mail_facts(request, db, user, shown)
    return page(request, "mails.html", {
        "user": user, "rows": [(n, facts[n.id]) for n in shown], "more": len(rows) > PAGE_SIZE,
        "page_no": max(page_no, 1), "nav": "mails",
    })


def _mail_query(user: CurrentUser):
    query = select(Notification).where(Notification.organisation_id == user.organisation_id)
    if not (user.is_coordinator or user.decides_extensions):
        query = query.where(Notification.recipient_id == user.id)  # an officer sees their own mail only
    return query


@dataclass
class MailFacts:
    """What the mail page says of one outbox row, in words people read."""

    recipient: str  # the full name (never a username), else the address
    when: str  # "sẽ gửi lúc 07:30 ngày 02/12/2026", "đã gửi lúc ...", "không gửi: ..."
    state: str  # pending / sent / failed / skipped
    about: str  # what the mail is about: the kind in words and the task


def _mail_facts(request: Request, db: Session, user: CurrentUser, rows: list[Notification]) -> dict[int, MailFacts]:
    from datetime import timezone as _tz

    from domain.vocabulary import event_label
    from notifications.digest import org_calendar
    from persistence.models import Delivery, NotificationStatus, Role

    settings = request.app.state.settings
    org = db.get(Organisation, user.organisation_id)
    tz = org.timezone or settings.timezone
    calendar = org_calendar(org)
    from notifications.dispatch import skip_reason

    ids = {n.recipient_id for n in rows if n.recipient_id}
    occurrence_ids = {n.occurrence_id for n in rows if n.occurrence_id and n.status == NotificationStatus.PENDING}
    occurrences = {o.id: o for o in db.exec(select(Occurrence).where(Occurrence.id.in_(occurrence_ids)))} if occurrence_ids else {}
    people = {o.id: o for o in db.exec(select(Officer).where(Officer.id.in_(ids)))} if ids else {}
    now = datetime.now(_tz.utc)
    facts = {}
    for n in rows:
        officer = people.get(n.recipient_id) if n.recipient_id else None
        name = (officer.full_name if officer else None) or n.recipient_name or (n.context or {}).get("recipient_name")
        status = NotificationStatus(n.status)
        if status == NotificationStatus.SENT:
            when = f"đã gửi lúc {_local_clock(n.sent_at, tz)}"
        elif status == NotificationStatus.SKIPPED:
            when = f"Bỏ qua – {n.skip_reason or 'không còn cần gửi'}"
        elif status == NotificationStatus.FAILED:
            when = "gửi không được, đã ngừng thử lại" + (f": {n.last_error}" if n.last_error else "")
        elif (reason := skip_reason(n, occurrences.get(n.occurrence_id))) is not None:
            # The dispatcher will drop it for this reason (same rule): say so now.
            when = f"sẽ không gửi – {reason}"
        else:
            delivery = Delivery(officer.delivery).value if officer else "immediate"
            leader = officer is not None and Role(officer.role) in (Role.CHAIRMAN, Role.VICE_CHAIRMAN)
            if n.kind == "escalation" and (leader or set((n.context or {}).get("recipient_roles") or [])
                                           & {"chairman", "vice_chairman"}):
                delivery = "daily"  # the leaders' digest, once a day
            at = queries.expected_send_at(n, delivery=delivery, calendar=calendar, tz=tz,
                                          work_start=settings.notify_work_start, work_end=settings.notify_work_end,
                                          digest_time=settings.notify_digest_time, now=now)
            when = f"sẽ gửi lúc {at:%H:%M} ngày {at:%d/%m/%Y}" + (" (lần thử lại)" if n.attempts else "")
        context = n.context or {}
        task = context.get("task_code") or context.get("code")
        title = context.get("task_title") or context.get("title") or ""
        about = event_label(n.kind) + (f" · nhiệm vụ {task}" if task else "") + (f": {title}" if title else "")
        facts[n.id] = MailFacts(name or n.recipient_email, when, status.value, about)
    return facts


def _local_clock(moment: datetime | None, tz: str) -> str:
    """"07:30 ngày 02/12/2026" in ``tz`` (a naive time is UTC, as SQLite returns it)."""
    from zoneinfo import ZoneInfo

    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


@router.get("/mails/{mail_id}", include_in_schema=False)
def mail_view(request: Request, mail_id: int, user: CurrentUser = Depends(current_user),
              db: Session = Depends(get_db)) -> Response:
    """One mail as its recipient sees it: subject, plain text and HTML (rendered by notifications.render).

    The HTML goes in a sandboxed iframe's ``srcdoc`` (escaped as an attribute): no
    script runs in it and it cannot reach the page.
    """
    from notifications.dispatch import DIGEST_KINDS
    from notifications.render import render_digest, render_notification

    row = db.exec(_mail_query(user).where(Notification.id == mail_id)).first()
    if row is None:
        raise HTTPException(404, "Không tìm thấy thư.")
    facts = _mail_facts(request, db, user, [row])[row.id]
    context = {**(row.context or {}), "recipient_name": facts.recipient}
    base_url = request.app.state.settings.base_url
    try:
        rendered = (render_digest(row.kind, context, base_url) if row.kind in DIGEST_KINDS
                    else render_notification(row.kind, row.level, context, base_url))
    except Exception as error:  # an old row whose template changed: say so rather than fail the page
        rendered, problem = None, str(error)
    else:
        problem = None
    # Plain text first (encode/decode drops any Markup type), so the HTML is always escaped into the attribute.
    srcdoc = Markup.escape(rendered.html.encode().decode()) if rendered else ""
    return page(request, "mail.html", {"user": user, "n": row, "facts": facts, "mail": rendered, "problem": problem,
                                       "srcdoc": srcdoc, "nav": "mails"})


# --- task page and actions -------------------------------------------------------------------


@router.get("/tasks/{task_id}", include_in_schema=False)
def task_page(request: Request, task_id: int, ok: str | None = None, error: str | None = None,
              user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    return render_task(request, user, db, task_id, ok=ok, error=error)


def render_task(request: Request, user: CurrentUser, db: Session, task_id: int, *, ok: str | None = None,
                error: str | None = None, form: "FormState | None" = None, status_code: int = 200) -> Response:
    """The task page; ``form`` re-shows a refused form with what was typed and the errors beside the fields."""
    from domain.status import classify, local_date
    from web import progress as progress_view

    detail = queries.task_detail(db, user.organisation_id, task_id)
    if detail is None:
        raise HTTPException(404, "Không tìm thấy nhiệm vụ.")
    tz = request.app.state.settings.timezone
    today = queries.today_in(tz)
    org = db.get(Organisation, user.organisation_id)
    buckets = {o.id: classify(o.status, o.effective_due, local_date(o.completed_at, tz), today) for o in detail.occurrences}
    owners = queries.possible_owners(db, user.organisation_id) if can_review(user) else []
    pending = {o.id for o, _, _ in pending_extensions(db, user.organisation_id) if o.task_id == task_id}
    periods = progress_view.task_periods(db, org, detail.progress, today)
    returned = progress_view.returned_reports(db, user.organisation_id, [task_id])
    everything = detail.occurrences + detail.progress
    return page(request, "task.html", {
        "user": user, "d": detail, "buckets": buckets, "today": today, "ok": ok, "error": error,
        "may_own": {o.id: can_act_as_owner(user, detail.task.lead_units, o.lead_username) for o in everything},
        "may_review": can_review(user), "may_decide": can_decide_extension(user), "officers": owners,
        "pending": pending, "nav": "tasks", "periods": periods, "returned": returned,
        "names": queries.full_names(db, user.organisation_id), "form": form or FormState(),
        "deadline_text": shown_deadline_text(detail.task, detail.plan), "PROGRESS_STATUSES": list(ProgressStatus),
        "UPLOAD_ACCEPT": ",".join(UPLOAD_TYPES), "NOTE_LIMIT": NOTE_LIMIT,
    }, status_code=status_code)


def shown_deadline_text(task, plan) -> str | None:
    """The deadline as written, for the year tracked: a re-based plan says 2026 where its source said 2025."""
    text = task.deadline_text
    if text and plan is not None and plan.source_year and plan.source_year != plan.year:
        text = re.sub(rf"(?<!\d){plan.source_year}(?!\d)", str(plan.year), text)
    return text


@dataclass
class FormState:
    """A refused form: which one (action and occurrence), the values typed, the errors by field."""

    action: str = ""
    occurrence: str = ""
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def is_for(self, action: str, occurrence: str) -> bool:
        return self.action == action and self.occurrence == occurrence

    def value(self, action: str, occurrence: str, name: str, default: str = "") -> str:
        if self.is_for(action, occurrence):
            return self.values.get(name, default) or ""
        return default or ""

    def error(self, action: str, occurrence: str, name: str) -> str:
        return self.errors.get(name, "") if self.is_for(action, occurrence) else ""


def _back(task_id: int, *, ok: str | None = None, error: str | None = None) -> Response:
    params = {k: v for k, v in {"ok": ok, "error": error}.items() if v}
    return RedirectResponse(f"/tasks/{task_id}?{urlencode(params)}#ky", status_code=303)


async def _run(request: Request, user: CurrentUser, task_id: int, action: ActionRequest, ok: str,
               form: FormState | None = None, back: str | None = None) -> Response:
    try:
        await perform(request.app.state.temporal.client, request.app.state.engine, user, task_id, action)
    except ActionError as error:
        if form is not None and error.status != 400:
            # Refused for good (not a field to correct): the file sent with it goes too.
            remove_kept(request.app.state.upload_dir, form.values.pop("kept_file", None))
            form.values.pop("kept_file_name", None)
        if error.status in (403, 404):
            raise HTTPException(error.status, error.message) from error
        if form is not None and error.status in (400, 409):
            form.errors.setdefault(_field_of(error.message), error.message)
            return await run_in_threadpool(_render_refused, request, user, task_id, form)
        return _back(task_id, error=error.message)
    request.app.state.snapshots.invalidate(user.organisation_id)
    request.app.state.__dict__.get("_inbox_cache", {}).pop(user.organisation_id, None)  # the menu's badge
    if back:
        return RedirectResponse(f"{back}{'&' if '?' in back else '?'}{urlencode({'ok': ok})}", status_code=303)
    return _back(task_id, ok=ok)


def _render_refused(request: Request, user: CurrentUser, task_id: int, form: FormState) -> Response:
    with Session(request.app.state.engine, expire_on_commit=False) as db:
        return render_task(request, user, db, task_id, error="Chưa gửi được: xem các ô được đánh dấu.", form=form,
                           status_code=400)


# Words of a refusal message -> the form field it is about (shown beside that field).
_FIELD_WORDS = (("tình trạng", "status"), ("kết quả", "result"), ("minh chứng", "document_number"),
                ("ngày gia hạn", "new_due"), ("lý do", "reason"), ("tệp", "file"), ("ngày", "document_date"))


def _field_of(message: str) -> str:
    lower = message.lower()
    return next((name for word, name in _FIELD_WORDS if word in lower), "_form")


def _evidence_from_form(request: Request, user: CurrentUser, task_id: int, form: FormState,
                        streamed: StreamedForm) -> dict:
    """Evidence fields of a completion or progress form, checked field by field into ``form.errors``.

    The file was streamed to a temporary place by ``read_form`` after the login, CSRF,
    permission and state checks; it is kept only when every field is right.
    """
    values = form.values
    evidence = {"document_number": values.get("document_number", "").strip(), "link": values.get("link", "").strip()}
    try:
        doc_date = parse_vn_date(values.get("document_date"))
        if doc_date:
            evidence["document_date"] = doc_date.isoformat()
    except ActionError as error:
        form.errors["document_date"] = error.message
    link = evidence["link"]
    if link and not link.startswith(("http://", "https://")):
        form.errors["link"] = "Đường dẫn phải bắt đầu bằng http:// hoặc https://."
    kept_file, kept_file_name = values.pop("kept_file", ""), values.pop("kept_file_name", "")
    if streamed.file_path is not None:
        problem = upload_problem(streamed.file_name or "")
        if problem:
            form.errors["file"] = problem
            streamed.discard()
        else:  # kept even when another field is wrong: the corrected form sends it again
            evidence["file"] = keep(streamed, request.app.state.upload_dir, user.organisation_id, task_id)
            evidence["file_name"] = Path(streamed.file_name or "").name
    elif kept_file and _own_upload(user, task_id, kept_file):
        # The file chosen before a refused submission is kept (a browser cannot refill a file input).
        evidence["file"], evidence["file_name"] = kept_file, kept_file_name or stored_name(kept_file)
    if evidence.get("file"):
        values["kept_file"], values["kept_file_name"] = evidence["file"], evidence.get("file_name", "")
    return {k: v for k, v in evidence.items() if v}


async def _read_evidence_form(request: Request, user: CurrentUser, task_id: int, kind: str) -> StreamedForm | Response:
    """The form of a completion or progress report, read only after the checks (web.uploads)."""
    engine = request.app.state.engine

    def before_file(fields: dict[str, str]) -> None:
        check_allowed(engine, user, task_id, fields.get("occurrence", ""), kind)

    try:
        return await read_form(request, request.app.state.upload_dir, user.csrf_token, before_file)
    except ActionError as error:
        if error.status in (403, 404):
            raise HTTPException(error.status, error.message) from error
        return _back(task_id, error=error.message)


def _own_upload(user: CurrentUser, task_id: int, path: str) -> bool:
    parts = Path(path).parts
    return len(parts) == 3 and parts[0] == str(user.organisation_id) and parts[1] == str(task_id) and ".." not in parts


def _note_problem(note: str) -> str | None:
    if len(note) > NOTE_LIMIT:
        return f"Ghi chú dài {len(note):,} ký tự, tối đa {NOTE_LIMIT:,} ký tự.".replace(",", ".")
    return None


@router.post("/tasks/{task_id}/complete", include_in_schema=False)
async def complete(request: Request, task_id: int, user: CurrentUser = Depends(current_user)) -> Response:
    # No Form/File parameters: FastAPI would read the whole body before the login check.
    streamed = await _read_evidence_form(request, user, task_id, "submit")
    if isinstance(streamed, Response):
        return streamed
    f = streamed.fields
    occurrence, note = f.get("occurrence", ""), f.get("note", "")
    form = FormState("complete", occurrence, {"document_number": f.get("document_number", ""),
                                              "document_date": f.get("document_date", ""), "link": f.get("link", ""),
                                              "note": note, "kept_file": f.get("kept_file", ""),
                                              "kept_file_name": f.get("kept_file_name", "")})
    if problem := _note_problem(note):
        form.errors["note"] = problem
    evidence = _evidence_from_form(request, user, task_id, form, streamed)
    if note.strip():
        evidence["note"] = note.strip()
    if form.errors:
        return await run_in_threadpool(_render_refused, request, user, task_id, form)
    action = ActionRequest("submit", occurrence, note=note.strip(), evidence=evidence)
    return await _run(request, user, task_id, action, "Đã gửi báo cáo hoàn thành.", form)


@router.post("/tasks/{task_id}/progress", include_in_schema=False)
async def submit_progress(request: Request, task_id: int, user: CurrentUser = Depends(current_user)) -> Response:
    streamed = await _read_evidence_form(request, user, task_id, "progress")
    if isinstance(streamed, Response):
        return streamed
    f = streamed.fields
    occurrence, status, result, figures = (f.get("occurrence", ""), f.get("status", ""), f.get("result", ""),
                                           f.get("figures", ""))
    form = FormState("progress", occurrence, {"status": status, "result": result, "figures": figures,
                                              "document_number": f.get("document_number", ""),
                                              "document_date": f.get("document_date", ""), "link": f.get("link", ""),
                                              "kept_file": f.get("kept_file", ""),
                                              "kept_file_name": f.get("kept_file_name", "")})
    if status not in {s.value for s in ProgressStatus}:
        form.errors["status"] = "Cần chọn tình trạng thực hiện."
    if not result.strip():
        form.errors["result"] = "Cần ghi kết quả thực hiện trong kỳ."
    elif problem := _note_problem(result):
        form.errors["result"] = problem.replace("Ghi chú", "Kết quả")
    numbers, problem = parse_figures(figures)
    if problem:
        form.errors["figures"] = problem
    evidence = _evidence_from_form(request, user, task_id, form, streamed)
    if form.errors:
        return await run_in_threadpool(_render_refused, request, user, task_id, form)
    action = ActionRequest("progress", occurrence, evidence=evidence, progress_status=status, result=result.strip(),
                           figures=numbers)
    return await _run(request, user, task_id, action, "Đã gửi báo cáo tiến độ.", form)


def parse_figures(text: str) -> tuple[dict, str | None]:
    """Lines "tên: số" (the optional figures of a progress update) to a dict; an error message if malformed."""
    figures: dict = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, value = line.rpartition(":")
        number = value.strip().replace(".", "").replace(",", ".")
        try:
            figures[name.strip()] = int(number) if number.lstrip("-").isdigit() else float(number)
        except ValueError:
            return figures, f"Dòng «{line}»: ghi theo dạng «tên chỉ số: số», ví dụ «Hồ sơ tiếp nhận: 120»."
        if not sep or not name.strip():
            return figures, f"Dòng «{line}»: ghi theo dạng «tên chỉ số: số», ví dụ «Hồ sơ tiếp nhận: 120»."
    return figures, None


@router.post("/tasks/{task_id}/progress/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def review_progress(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                          reason: str = Form(""), back: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    accepted = decision == "accept"
    if not accepted and not reason.strip():
        if back:
            return RedirectResponse(f"{_safe_next(back)}?{urlencode({'error': 'Cần ghi lý do trả lại.'})}", status_code=303)
        form = FormState("review_progress", occurrence, {"reason": reason}, {"reason": "Cần ghi lý do trả lại báo cáo tiến độ."})
        return await run_in_threadpool(_render_refused, request, user, task_id, form)
    action = ActionRequest("review_progress", occurrence, reason=reason.strip(), note=reason.strip(), accepted=accepted)
    return await _run(request, user, task_id, action, "Đã chấp nhận báo cáo tiến độ." if accepted else "Đã trả lại báo cáo tiến độ.",
                      back=_safe_next(back) if back else None)


def _check_task_visible(request: Request, user: CurrentUser, task_id: int) -> None:
    with Session(request.app.state.engine) as db:
        if queries.get_task(db, user.organisation_id, task_id) is None:
            raise HTTPException(404, "Không tìm thấy nhiệm vụ.")


@router.post("/tasks/{task_id}/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def review(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                 note: str = Form(""), back: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    accepted = decision == "accept"
    if not accepted and not note.strip():
        if back:
            return RedirectResponse(f"{_safe_next(back)}?{urlencode({'error': 'Cần ghi lý do trả lại.'})}", status_code=303)
        form = FormState("review", occurrence, {"note": note}, {"note": "Cần ghi lý do trả lại báo cáo."})
        return await run_in_threadpool(_render_refused, request, user, task_id, form)
    action = ActionRequest("review", occurrence, note=note.strip(), accepted=accepted)
    return await _run(request, user, task_id, action, "Đã xác nhận hoàn thành." if accepted else "Đã trả lại báo cáo.",
                      back=_safe_next(back) if back else None)


@router.post("/tasks/{task_id}/extension", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def request_extension(request: Request, task_id: int, occurrence: str = Form(...), new_due: str = Form(""),
                            reason: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    form = FormState("extension", occurrence, {"new_due": new_due, "reason": reason})
    due = None
    try:
        due = parse_vn_date(new_due)
        if due is None:
            form.errors["new_due"] = "Cần ghi ngày đề nghị gia hạn đến."
    except ActionError as error:
        form.errors["new_due"] = error.message
    if not reason.strip():
        form.errors["reason"] = "Cần ghi lý do đề nghị gia hạn."
    elif problem := _note_problem(reason):
        form.errors["reason"] = problem.replace("Ghi chú", "Lý do")
    if form.errors:
        return await run_in_threadpool(_render_refused, request, user, task_id, form)
    action = ActionRequest("request_extension", occurrence, new_due=due, reason=reason.strip(), note=reason.strip())
    return await _run(request, user, task_id, action, "Đã gửi đề nghị gia hạn.", form)


@router.post("/tasks/{task_id}/extension/decision", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def decide_extension(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                           new_due: str = Form(""), note: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    try:
        due = parse_vn_date(new_due)
    except ActionError as error:
        return _back(task_id, error=error.message)
    granted = decision == "grant"
    action = ActionRequest("decide_extension", occurrence, accepted=granted, new_due=due, note=note.strip(), reason=note.strip())
    return await _run(request, user, task_id, action, "Đã đồng ý gia hạn." if granted else "Đã không đồng ý gia hạn.")


@router.post("/tasks/{task_id}/reassign", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def reassign(request: Request, task_id: int, occurrence: str = Form(...), to_username: str = Form(...),
                   note: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    action = ActionRequest("reassign", occurrence, to_username=to_username.strip(), note=note.strip())
    return await _run(request, user, task_id, action, "Đã giao lại.")


@router.get("/uploads/{path:path}", include_in_schema=False)
def download(request: Request, path: str, user: CurrentUser = Depends(current_user)) -> Response:
    parts = Path(path).parts
    # Files live under <org id>/<task id>/: another organisation's file is "not found".
    if len(parts) != 3 or parts[0] != str(user.organisation_id) or ".." in parts:
        raise HTTPException(404, "Không tìm thấy tệp.")
    root = request.app.state.upload_dir.resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise HTTPException(404, "Không tìm thấy tệp.")
    return FileResponse(target, headers={"Content-Disposition": content_disposition(stored_name(target.name))})


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266 header with the RFC 5987 ``filename*`` carrying the Vietnamese name, and an ASCII fallback."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]+', "_", ascii_name).strip() or "minh-chung"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- exports ----------------------------------------------------------------------------------


@router.get("/export/{plan_code}.xlsx", include_in_schema=False)
def export_xlsx(request: Request, plan_code: str, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from exports.excel import plan_workbook_bytes

    plan = db.exec(select(Plan).where(Plan.organisation_id == user.organisation_id, Plan.code == plan_code)).first()
    if plan is None:
        raise HTTPException(404, "Không tìm thấy kế hoạch.")
    data = plan_workbook_bytes(db, plan, queries.today_in(request.app.state.settings.timezone), request.app.state.settings.timezone)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(plan.code)}.xlsx"})


@router.get("/ical/{token}.ics", include_in_schema=False)
def ical_feed(request: Request, token: str, db: Session = Depends(get_db)) -> Response:
    from exports.ical import officer_calendar

    if len(token) < 16:
        raise HTTPException(404, "Không tìm thấy lịch.")
    officer = db.exec(select(Officer).where(Officer.ical_token == token, Officer.active == True)).first()  # noqa: E712
    if officer is None:
        raise HTTPException(404, "Không tìm thấy lịch.")
    body = officer_calendar(db, officer, request.app.state.settings.base_url)
    return Response(body, media_type="text/calendar; charset=utf-8")
