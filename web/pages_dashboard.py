"""The overview, the task list, my tasks, the escalations page, the period picker and the inbox's bulk confirmation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from actions.perform import ActionError, ActionRequest, perform
from domain.status import Bucket, my_work_key
from persistence import read_model as queries
from persistence.models import OccurrenceStatus, Officer, Organisation
from web.app import page
from web.auth import CurrentUser, can_decide_extension, can_review, owns
from web.deps import check_csrf, current_user, get_db
from web.page_helpers import PAGE_SIZE, _safe_next, _snapshot, pending_extensions, render_fragment, snapshot_for

router = APIRouter()

AWAITING = "awaiting"  # the task list's filter for reports awaiting confirmation


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


def _indicator_counts(request: Request, user: CurrentUser, chosen: Any) -> dict[str, int]:
    """Đạt / chưa đạt / chưa báo cáo of the indicators of the plans followed in the chosen period."""
    from reports.indicators import indicator_lines
    from web.pages_indicators import tracked_plans

    counts: dict[str, int] = {}
    with Session(request.app.state.engine) as db:
        for plan in tracked_plans(db, user.organisation_id, chosen.year):
            for line in indicator_lines(db, plan, chosen.period.key):
                counts[line.status] = counts.get(line.status, 0) + 1
    return counts


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
    from web.pages_indicators import INDICATOR_STATUS_LABELS
    from web.progress import STATE_LABELS, STATES, chosen_for

    snap = await snapshot_for(request, user)
    chosen = await run_in_threadpool(chosen_for, request, user.organisation_id)
    report = await run_in_threadpool(snap.remember, ("progress", chosen.period.key), lambda: _period_report(request, user, chosen))
    # Indicator values are no task state: read each time (a few rows), not kept in the snapshot.
    indicators = await run_in_threadpool(_indicator_counts, request, user, chosen)

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
            "chosen": chosen, "indicators": indicators, "INDICATOR_STATUS_LABELS": INDICATOR_STATUS_LABELS,
        })

    content = snap.remember(("overview.html", chosen.period.key, tuple(sorted(indicators.items()))), body)
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
        for x, point in zip(xs, line.points, strict=False):
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
            "axis": [{"x": round(x, 1), "label": label} for x, label in zip(xs, periods, strict=False)], "base": height - bottom + 18}


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
    from web.pages_indicators import pending_indicators

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
        "indicators_due": pending_indicators(db, user, chosen.year, chosen.period.key), "period": chosen.period,
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
