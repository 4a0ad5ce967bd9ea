"""Server-rendered pages (Vietnamese) and the form actions behind them."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from sqlmodel import Session, select

from domain.models import Notification, Occurrence, OccurrenceStatus, Officer, Organisation, Plan, Role
from domain.status import Bucket, my_work_key
from web import queries
from web.actions import ActionError, ActionRequest, check_allowed, perform
from web.uploads import keep, read_form, remove_kept
from web.app import page
from web.auth import (
    CSRF_FIELD,
    SESSION_COOKIE,
    CurrentUser,
    can_act_as_owner,
    can_decide_extension,
    can_review,
    LoginRefused,
    authenticate,
    new_csrf_token,
    owns,
    start_session,
)
from web.deps import check_csrf, current_user, forget_session, get_db, optional_user, session_data

router = APIRouter()

PAGE_SIZE = 50


def parse_vn_date(text: str | None) -> date | None:
    """``DD/MM/YYYY`` (or ISO ``YYYY-MM-DD`` from a date input) to a date; None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ActionError(400, f"Ngày không hợp lệ: «{text}» (ghi theo dạng ngày/tháng/năm).")


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


@router.get("/overview", include_in_schema=False)
async def overview(request: Request, user: CurrentUser = Depends(current_user)) -> Response:
    snap = await snapshot_for(request, user)

    def body() -> Markup:
        areas_order = list(queries.AREA_LABELS)
        units = sorted(snap.by_unit.groups.items(), key=lambda kv: (-kv[1].overdue, snap.unit_name(kv[0])))
        areas = sorted(snap.by_area.groups.items(), key=lambda kv: areas_order.index(kv[0]) if kv[0] in areas_order else 99)
        overdue = snap.overdue()
        return render_fragment(request, "overview_body.html", {
            "snap": snap, "counts": snap.by_unit.overall, "units": units, "areas": areas,
            "area_names": snap.area_names(), "upcoming": snap.upcoming(14)[:100], "overdue": overdue[:50],
            "overdue_total": len(overdue),
        })

    # Rendered once per snapshot: every user of the organisation sees the same overview.
    return page(request, "shell.html", {"user": user, "title": "Tổng quan", "body": snap.remember("overview.html", body), "nav": "overview"})


def filter_rows(snap: queries.Snapshot, *, unit: str | None = None, area: str | None = None, bucket: str | None = None,
                plan: str | None = None, q: str | None = None, only: list[queries.OccRow] | None = None) -> list[queries.OccRow]:
    """The snapshot's rows matching the task-list filters."""
    from domain.text import fold

    rows = only if only is not None else snap.rows
    if unit:
        rows = [r for r in rows if unit in r.lead_units]
    if area:
        rows = [r for r in rows if r.area == area]
    if bucket:
        rows = [r for r in rows if r.bucket is not None and r.bucket.value == bucket]
    if plan:
        rows = [r for r in rows if r.plan_code == plan]
    if q:
        needle = fold(q)
        rows = [r for r in rows if needle in fold(f"{r.task_code} {r.title}")]
    return rows


@router.get("/tasks", include_in_schema=False)
async def task_list(
    request: Request, unit: str | None = None, area: str | None = None, bucket: str | None = None,
    plan: str | None = None, q: str | None = None, page_no: int = 1, user: CurrentUser = Depends(current_user),
) -> Response:
    snap = await snapshot_for(request, user)
    filters = {k: v for k, v in {"unit": unit, "area": area, "bucket": bucket, "plan": plan, "q": q}.items() if v}

    def body() -> Markup:
        rows = snap.remember(("rows", tuple(sorted(filters.items()))), lambda: filter_rows(snap, **filters))
        if bucket == Bucket.OVERDUE.value:
            rows = sorted(rows, key=lambda r: -r.days_overdue)
        pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
        number = min(max(1, page_no), pages)
        return render_fragment(request, "tasks_body.html", {
            "snap": snap, "rows": rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE], "total": len(rows),
            "page_no": number, "pages": pages, "filters": filters, "query": urlencode(filters),
            "area_names": snap.area_names(),
        })

    key = ("tasks.html", tuple(sorted(filters.items())), page_no)
    return page(request, "shell.html", {"user": user, "title": "Nhiệm vụ", "body": snap.remember(key, body), "nav": "tasks"})


@router.get("/my", include_in_schema=False)
def my_tasks(request: Request, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    snap = _snapshot(request, user, db)
    rows = [r for r in snap.rows if owns(user, r.lead_units, r.lead_username)]
    to_review = [r for r in snap.rows if r.status == OccurrenceStatus.SUBMITTED] if can_review(user) else []
    # Overdue first, then due this week, then the period's progress updates, then the rest.
    open_rows = sorted((r for r in rows if r.status == OccurrenceStatus.OPEN),
                       key=lambda r: my_work_key(r.effective_due, snap.today, progress=r.key.endswith(".progress")))
    done_rows = [r for r in rows if r.status != OccurrenceStatus.OPEN]
    officer = db.get(Officer, user.id)
    ical_url = f"{request.app.state.settings.base_url.rstrip('/')}/ical/{officer.ical_token}.ics" if officer.ical_token else None
    return page(request, "my.html", {
        "user": user, "snap": snap, "open_rows": open_rows, "done_rows": done_rows, "to_review": to_review,
        "ical_url": ical_url, "nav": "my",
    })


@router.post("/my/ical", include_in_schema=False, dependencies=[Depends(check_csrf)])
def new_ical_token(user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    officer = db.get(Officer, user.id)
    officer.ical_token = secrets.token_urlsafe(24)
    db.add(officer)
    db.commit()
    return RedirectResponse("/my#lich", status_code=303)


@router.get("/escalations", include_in_schema=False)
def escalations(request: Request, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from domain.models import Event, Task

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
    from domain.models import Event, Task

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
    query = select(Notification).where(Notification.organisation_id == user.organisation_id)
    if not (user.is_coordinator or user.decides_extensions):
        query = query.where(Notification.recipient_id == user.id)  # an officer sees their own mail only
    rows = list(db.exec(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                        .offset((max(page_no, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all())
    return page(request, "mails.html", {
        "user": user, "rows": rows[:PAGE_SIZE], "more": len(rows) > PAGE_SIZE, "page_no": max(page_no, 1), "nav": "mails",
    })


# --- task page and actions -------------------------------------------------------------------


@router.get("/tasks/{task_id}", include_in_schema=False)
def task_page(request: Request, task_id: int, ok: str | None = None, error: str | None = None,
              user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    detail = queries.task_detail(db, user.organisation_id, task_id)
    if detail is None:
        raise HTTPException(404, "Không tìm thấy nhiệm vụ.")
    from domain.status import classify, local_date
    today = queries.today_in(request.app.state.settings.timezone)
    tz = request.app.state.settings.timezone
    buckets = {o.id: classify(o.status, o.effective_due, local_date(o.completed_at, tz), today) for o in detail.occurrences}
    officers = queries.officers(db, user.organisation_id) if can_review(user) else []
    pending = {o.id for o, _, _ in pending_extensions(db, user.organisation_id) if o.task_id == task_id}
    return page(request, "task.html", {
        "user": user, "d": detail, "buckets": buckets, "today": today, "ok": ok, "error": error,
        "may_own": {o.id: can_act_as_owner(user, detail.task.lead_units, o.lead_username) for o in detail.occurrences},
        "may_review": can_review(user), "may_decide": can_decide_extension(user), "officers": officers,
        "pending": pending, "nav": "tasks",
    })


def _back(task_id: int, *, ok: str | None = None, error: str | None = None) -> Response:
    params = {k: v for k, v in {"ok": ok, "error": error}.items() if v}
    return RedirectResponse(f"/tasks/{task_id}?{urlencode(params)}#ky", status_code=303)


async def _run(request: Request, user: CurrentUser, task_id: int, action: ActionRequest, ok: str) -> Response:
    try:
        await perform(request.app.state.temporal.client, request.app.state.engine, user, task_id, action)
    except ActionError as error:
        if error.status in (403, 404):
            raise HTTPException(error.status, error.message) from error
        return _back(task_id, error=error.message)
    request.app.state.snapshots.invalidate(user.organisation_id)
    return _back(task_id, ok=ok)


@router.post("/tasks/{task_id}/complete", include_in_schema=False)
async def complete(request: Request, task_id: int, user: CurrentUser = Depends(current_user)) -> Response:
    # No Form/File parameters: FastAPI would read the whole body before the login check.
    upload_dir = request.app.state.upload_dir
    engine = request.app.state.engine

    def before_file(fields: dict[str, str]) -> None:
        check_allowed(engine, user, task_id, fields.get("occurrence", ""), "submit")

    try:
        form = await read_form(request, upload_dir, user.csrf_token, before_file)
    except ActionError as error:
        if error.status in (403, 404):
            raise HTTPException(error.status, error.message) from error
        return _back(task_id, error=error.message)
    f = form.fields
    note = f.get("note", "").strip()
    try:
        evidence = {"document_number": f.get("document_number", "").strip(), "link": f.get("link", "").strip(), "note": note}
        doc_date = parse_vn_date(f.get("document_date"))
        if doc_date:
            evidence["document_date"] = doc_date.isoformat()
    except ActionError as error:
        form.discard()
        return _back(task_id, error=error.message)
    if form.file_path is not None:
        evidence["file"] = keep(form, upload_dir, user.organisation_id, task_id)
        evidence["file_name"] = form.file_name
    evidence = {k: v for k, v in evidence.items() if v}
    action = ActionRequest("submit", f.get("occurrence", ""), note=note, evidence=evidence)
    try:
        await perform(request.app.state.temporal.client, engine, user, task_id, action)
    except ActionError as error:
        remove_kept(upload_dir, evidence.get("file"))  # refused: the file goes too
        if error.status in (403, 404):
            raise HTTPException(error.status, error.message) from error
        return _back(task_id, error=error.message)
    request.app.state.snapshots.invalidate(user.organisation_id)
    return _back(task_id, ok="Đã gửi báo cáo hoàn thành.")


def _check_task_visible(request: Request, user: CurrentUser, task_id: int) -> None:
    with Session(request.app.state.engine) as db:
        if queries.get_task(db, user.organisation_id, task_id) is None:
            raise HTTPException(404, "Không tìm thấy nhiệm vụ.")


@router.post("/tasks/{task_id}/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def review(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                 note: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    accepted = decision == "accept"
    action = ActionRequest("review", occurrence, note=note.strip(), accepted=accepted)
    return await _run(request, user, task_id, action, "Đã xác nhận hoàn thành." if accepted else "Đã trả lại báo cáo.")


@router.post("/tasks/{task_id}/extension", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def request_extension(request: Request, task_id: int, occurrence: str = Form(...), new_due: str = Form(...),
                            reason: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    try:
        due = parse_vn_date(new_due)
    except ActionError as error:
        return _back(task_id, error=error.message)
    action = ActionRequest("request_extension", occurrence, new_due=due, reason=reason.strip(), note=reason.strip())
    return await _run(request, user, task_id, action, "Đã gửi đề nghị gia hạn.")


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
    return FileResponse(target, filename=target.name.split("-", 1)[-1])


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
