"""JSON API under ``/api`` (OpenAPI at ``/api/openapi.json``, a readable list at ``/api/docs``).

Authentication is the same signed session cookie as the pages (``POST /api/login``);
every state-changing call needs the ``X-CSRF-Token`` header returned at login.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from actions.perform import ActionError, ActionRequest, perform
from domain.status import BUCKETS, LABELS, Counts, classify, local_date
from persistence import read_model as queries
from persistence.models import Notification, Occurrence, Organisation
from web import api_models as m
from web.app import page
from web.auth import SESSION_COOKIE, CurrentUser, LoginRefused, authenticate, new_csrf_token, owns, start_session
from web.deps import check_csrf, current_user, forget_session, get_db
from web.page_helpers import snapshot_for

router = APIRouter(prefix="/api", tags=["dondoc"])


class LoginBody(BaseModel):
    username: str
    password: str
    organisation: str | None = Field(None, description="Mã đơn vị, khi tên đăng nhập trùng ở nhiều đơn vị")


class CompleteBody(BaseModel):
    document_number: str | None = Field(None, description="Số văn bản, vd. 45/BC-UBND")
    document_date: date | None = None
    link: str | None = None
    note: str | None = None


class ReviewBody(BaseModel):
    accepted: bool
    note: str = ""


class ExtensionBody(BaseModel):
    new_due: date
    reason: str


class DecisionBody(BaseModel):
    granted: bool
    new_due: date | None = Field(None, description="Để trống: ngày đã đề nghị")
    note: str = ""


class ReassignBody(BaseModel):
    to_username: str
    note: str = ""


def _user_json(user: CurrentUser) -> dict[str, Any]:
    return {
        "username": user.username, "full_name": user.full_name, "role": user.role.value, "role_label": user.role_label,
        "organisation_id": user.organisation_id, "organisation": user.organisation_name, "units": sorted(user.unit_codes),
    }


def counts_json(c: Counts) -> dict[str, int]:
    return c.to_dict()


def row_json(r: queries.OccRow, units: dict[str, str]) -> dict[str, Any]:
    return {
        "task_id": r.task_id, "task_code": r.task_code, "title": r.title, "plan": r.plan_code, "area": r.area,
        "area_label": r.area_label, "lead_units": [{"code": c, "name": units.get(c, c)} for c in r.lead_units],
        "occurrence": r.key, "period": r.period, "due": r.due, "extended_due": r.extended_due,
        "effective_due": r.effective_due, "status": r.status.value, "completed_on": r.completed_on,
        "bucket": r.bucket.value if r.bucket else None, "bucket_label": LABELS[r.bucket] if r.bucket else None,
        "days_overdue": r.days_overdue, "lead_username": r.lead_username,
    }


@router.post("/login", response_model=m.LoginPublic, summary="Đăng nhập", description="Trả về người dùng và mã CSRF; đặt cookie phiên.")
def api_login(body: LoginBody, request: Request, db: Session = Depends(get_db)) -> Response:
    try:
        officer = authenticate(db, request.app.state.login_throttle, body.username, body.password, body.organisation,
                               request.client.host if request.client else None)
    except LoginRefused as refused:
        headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        detail: Any = refused.message
        if refused.choices:
            detail = {"message": refused.message, "organisations": [{"code": c, "name": n} for c, n in refused.choices]}
        raise HTTPException(refused.status, detail, headers=headers) from None
    token = new_csrf_token()
    org = db.get(Organisation, officer.organisation_id)
    response = JSONResponse({"csrf_token": token, "user": {
        "username": officer.username, "full_name": officer.full_name, "role": officer.role.value,
        "organisation": org.name if org else "",
    }})
    signer = request.app.state.signer
    response.set_cookie(SESSION_COOKIE, signer.dumps({"u": officer.id, "o": officer.organisation_id, "c": token, "s": start_session(db, officer)}),
                        max_age=signer.max_age, httponly=True, samesite="lax", secure=request.app.state.secure_cookies)
    return response


@router.post("/logout", response_model=m.OkPublic, summary="Đăng xuất", dependencies=[Depends(check_csrf)])
def api_logout(request: Request) -> Response:
    forget_session(request)
    response = JSONResponse({"ok": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=m.UserPublic, summary="Người đang đăng nhập")
def me(user: CurrentUser = Depends(current_user)) -> dict:
    return {**_user_json(user), "csrf_token": user.csrf_token}


@router.get("/overview", response_model=m.OverviewPublic, summary="Tổng quan: bốn nhóm tình trạng, theo cơ quan, theo lĩnh vực, sắp đến hạn, quá hạn")
async def overview(request: Request, days: int = 14, user: CurrentUser = Depends(current_user)) -> dict:
    snap = await snapshot_for(request, user)
    return {
        "today": snap.today,
        "buckets": [{"key": b.value, "label": LABELS[b]} for b in BUCKETS],
        "counts": counts_json(snap.by_unit.overall),
        "by_unit": [{"code": k, "name": snap.unit_name(k), **counts_json(c)} for k, c in sorted(snap.by_unit.groups.items())],
        "by_area": [{"area": k, **counts_json(c)} for k, c in sorted(snap.by_area.groups.items())],
        "upcoming": [row_json(r, snap.units) for r in snap.upcoming(days)],
        "overdue": [row_json(r, snap.units) for r in snap.overdue()],
    }


def _progress(request: Request, user: CurrentUser, year: int | None, period: str | None):
    from web.progress import progress_report

    with Session(request.app.state.engine) as session:
        org = session.get(Organisation, user.organisation_id)
        try:
            return progress_report(session, org, queries.today_in(request.app.state.settings.timezone), year, period)
        except ValueError as error:
            raise HTTPException(status_code=400, detail=str(error)) from error


@router.get("/progress", response_model=m.ProgressReportPublic, summary="Báo cáo tiến độ một kỳ: đã nộp / chưa nộp / quá hạn theo cơ quan và lĩnh vực, mọi nhiệm vụ")
def progress(request: Request, year: int | None = None, period: str | None = None,
             user: CurrentUser = Depends(current_user)) -> dict:
    snap_units = {}
    report = _progress(request, user, year, period)
    with Session(request.app.state.engine) as session:
        from persistence.models import Unit

        snap_units = {u.code: u.name for u in session.exec(select(Unit).where(Unit.organisation_id == user.organisation_id))}
    return report.json(snap_units)


@router.get("/tasks", response_model=m.OccurrencePagePublic | m.PeriodTasksPublic,
            summary="Danh sách kỳ thực hiện; với year/period: mọi nhiệm vụ và báo cáo tiến độ của kỳ")
async def tasks(request: Request, unit: str | None = None, area: str | None = None, bucket: str | None = None,
                plan: str | None = None, q: str | None = None, limit: int = 100, offset: int = 0,
                year: int | None = None, period: str | None = None, progress: str | None = None,
                user: CurrentUser = Depends(current_user)) -> dict:
    from web.pages_dashboard import filter_rows

    if year is not None or period is not None or progress is not None:
        # The reporting cycle: every task of the plan year with its progress update of the period.
        # Once per snapshot: an action or a worker's write changes the occurrences, so the snapshot.
        snap = await snapshot_for(request, user)
        report = await run_in_threadpool(snap.remember, ("api-progress", year, period),
                                         lambda: _progress(request, user, year, period))
        items = report.rows
        if unit:
            items = [r for r in items if unit in r.lead_units]
        if area:
            items = [r for r in items if r.area == area]
        if plan:
            items = [r for r in items if r.plan_code == plan]
        if progress == "unreported":  # "chưa báo cáo kỳ này"
            items = [r for r in items if r.state in ("missing", "overdue", "returned")]
        elif progress:
            items = [r for r in items if r.state == progress]
        limit = max(1, min(limit, 1000))
        return {"year": report.year, "period": report.period.key, "period_label": report.period.label,
                "total": len(items), "items": [r.json() for r in items[offset: offset + limit]]}

    snap = await snapshot_for(request, user)
    filters = {k: v for k, v in {"unit": unit, "area": area, "bucket": bucket, "plan": plan, "q": q}.items() if v}
    rows = snap.remember(("rows", tuple(sorted(filters.items()))), lambda: filter_rows(snap, **filters))
    limit = max(1, min(limit, 1000))
    return {"total": len(rows), "items": [row_json(r, snap.units) for r in rows[offset: offset + limit]]}


@router.get("/my-tasks", response_model=m.OccurrenceRowsPublic, summary="Việc của tôi")
async def my_tasks(request: Request, user: CurrentUser = Depends(current_user)) -> dict:
    snap = await snapshot_for(request, user)
    rows = [r for r in snap.rows if owns(user, r.lead_units, r.lead_username)]
    return {"items": [row_json(r, snap.units) for r in sorted(rows, key=lambda r: r.effective_due)]}


def task_json(request: Request, detail: queries.TaskDetail) -> dict:
    tz = request.app.state.settings.timezone
    today = queries.today_in(tz)
    t = detail.task
    occurrences = []
    for o in detail.occurrences:
        bucket = classify(o.status, o.effective_due, local_date(o.completed_at, tz), today)
        occurrences.append({
            "key": o.key, "period": o.period, "nominal": o.nominal, "due": o.due, "extended_due": o.extended_due,
            "status": o.status.value, "bucket": bucket.value if bucket else None, "completed_at": o.completed_at,
            "evidence": o.evidence, "lead_username": o.lead_username,
        })
    return {
        "id": t.id, "code": t.code, "plan": detail.plan.code, "area": t.area, "area_label": t.area_label, "title": t.title,
        "text": t.text, "status": t.status.value, "deadline_text": t.deadline_text, "product": t.product,
        "lead_units": [{"code": c, "name": detail.units.get(c, c)} for c in t.lead_units],
        "coordinating_units": [{"code": c, "name": detail.units.get(c, c)} for c in t.coordinating_units],
        "lead_officers": [{"username": o.username, "full_name": o.full_name} for o in detail.lead_officers],
        "occurrences": occurrences,
        "timeline": [{"at": e.at, "kind": e.kind, "actor": e.actor, "occurrence_id": e.occurrence_id, "data": e.data}
                     for e in detail.events],
    }


@router.get("/tasks/{task_id}", response_model=m.TaskPublic, summary="Một nhiệm vụ: nội dung, các kỳ, minh chứng, diễn biến")
def task(request: Request, task_id: int, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    detail = queries.task_detail(db, user.organisation_id, task_id)
    if detail is None:
        raise HTTPException(404, "Không tìm thấy nhiệm vụ.")
    return task_json(request, detail)


@router.get("/extensions", response_model=m.ExtensionRequestsPublic, summary="Đề nghị gia hạn chờ quyết định")
def extensions(user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    from web.page_helpers import pending_extensions

    return {"items": [
        {"task_id": t.id, "task_code": t.code, "title": t.title, "occurrence": o.key, "period": o.period,
         "due": o.effective_due, "requested_by": e.actor, "request": e.data}
        for o, t, e in pending_extensions(db, user.organisation_id)
    ]}


@router.get("/notifications", response_model=m.NotificationsPublic, summary="Thư thông báo (điều phối, lãnh đạo: tất cả; công chức: của mình)")
def notifications(limit: int = 100, offset: int = 0, user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    query = select(Notification).where(Notification.organisation_id == user.organisation_id)
    if not (user.is_coordinator or user.decides_extensions):
        query = query.where(Notification.recipient_id == user.id)
    rows = db.exec(query.order_by(Notification.created_at.desc()).offset(offset).limit(max(1, min(limit, 500)))).all()
    return {"items": [{
        "id": n.id, "kind": n.kind, "level": n.level, "task_id": n.task_id, "recipient": n.recipient_email,
        "status": n.status.value, "created_at": n.created_at, "sent_at": n.sent_at,
        "skip_reason": n.skip_reason,
    } for n in rows]}


async def _act(request: Request, user: CurrentUser, task_id: int, action: ActionRequest) -> dict:
    try:
        occurrence: Occurrence = await perform(request.app.state.temporal.client, request.app.state.engine, user, task_id, action)
    except ActionError as error:
        raise HTTPException(status_code=error.status, detail=error.message) from error
    request.app.state.snapshots.invalidate(user.organisation_id)
    return {"ok": True, "occurrence": {
        "key": occurrence.key, "status": occurrence.status.value, "due": occurrence.due,
        "extended_due": occurrence.extended_due, "completed_at": occurrence.completed_at, "evidence": occurrence.evidence,
        "lead_username": occurrence.lead_username,
    }}


@router.post("/tasks/{task_id}/occurrences/{key}/complete", response_model=m.ActionPublic, summary="Báo cáo hoàn thành kèm minh chứng",
             dependencies=[Depends(check_csrf)])
async def complete(request: Request, task_id: int, key: str, body: CompleteBody, user: CurrentUser = Depends(current_user)) -> dict:
    evidence = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in body.model_dump().items() if v}
    return await _act(request, user, task_id, ActionRequest("submit", key, note=body.note or "", evidence=evidence))


@router.post("/tasks/{task_id}/occurrences/{key}/review", response_model=m.ActionPublic, summary="Xác nhận hoặc trả lại báo cáo hoàn thành",
             dependencies=[Depends(check_csrf)])
async def review(request: Request, task_id: int, key: str, body: ReviewBody, user: CurrentUser = Depends(current_user)) -> dict:
    return await _act(request, user, task_id, ActionRequest("review", key, note=body.note, accepted=body.accepted))


@router.post("/tasks/{task_id}/occurrences/{key}/extension", response_model=m.ActionPublic, summary="Đề nghị gia hạn", dependencies=[Depends(check_csrf)])
async def request_extension(request: Request, task_id: int, key: str, body: ExtensionBody, user: CurrentUser = Depends(current_user)) -> dict:
    return await _act(request, user, task_id, ActionRequest("request_extension", key, new_due=body.new_due, reason=body.reason, note=body.reason))


@router.post("/tasks/{task_id}/occurrences/{key}/extension/decision", response_model=m.ActionPublic,
             summary="Đồng ý hoặc không đồng ý gia hạn (Chủ tịch, Phó Chủ tịch)",
             dependencies=[Depends(check_csrf)])
async def decide_extension(request: Request, task_id: int, key: str, body: DecisionBody, user: CurrentUser = Depends(current_user)) -> dict:
    return await _act(request, user, task_id, ActionRequest("decide_extension", key, accepted=body.granted, new_due=body.new_due, note=body.note, reason=body.note))


class ProgressBody(BaseModel):
    status: str = Field(description="not_started | in_progress | done | blocked")
    result: str = Field(description="Kết quả thực hiện trong kỳ")
    figures: dict[str, Any] = Field(default_factory=dict)
    document_number: str | None = None
    document_date: date | None = None
    link: str | None = None


class ProgressReviewBody(BaseModel):
    accepted: bool
    reason: str = ""


@router.post("/tasks/{task_id}/progress/{period}", response_model=m.ActionPublic, summary="Báo cáo tiến độ một kỳ (tình trạng, kết quả, minh chứng)",
             dependencies=[Depends(check_csrf)])
async def report_progress(request: Request, task_id: int, period: str, body: ProgressBody,
                          user: CurrentUser = Depends(current_user)) -> dict:
    evidence = {k: v for k, v in {"document_number": body.document_number, "link": body.link,
                                  "document_date": body.document_date.isoformat() if body.document_date else None}.items() if v}
    return await _act(request, user, task_id, ActionRequest("progress", f"{period}.progress", evidence=evidence,
                                                            progress_status=body.status, result=body.result,
                                                            figures=body.figures))


@router.post("/tasks/{task_id}/progress/{period}/review", response_model=m.ActionPublic, summary="Chấp nhận hoặc trả lại báo cáo tiến độ (kèm lý do)",
             dependencies=[Depends(check_csrf)])
async def review_progress(request: Request, task_id: int, period: str, body: ProgressReviewBody,
                          user: CurrentUser = Depends(current_user)) -> dict:
    return await _act(request, user, task_id, ActionRequest("review_progress", f"{period}.progress",
                                                            accepted=body.accepted, reason=body.reason))


@router.post("/tasks/{task_id}/occurrences/{key}/reassign", response_model=m.ActionPublic, summary="Giao lại cho công chức khác (cơ quan thường trực)",
             dependencies=[Depends(check_csrf)])
async def reassign(request: Request, task_id: int, key: str, body: ReassignBody, user: CurrentUser = Depends(current_user)) -> dict:
    return await _act(request, user, task_id, ActionRequest("reassign", key, to_username=body.to_username, note=body.note))


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
def docs(request: Request) -> Response:
    return page(request, "api_docs.html", {"user": None, "spec": request.app.openapi()})
