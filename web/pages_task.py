"""The task page and its forms: completion, progress, extension, reassignment, review."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
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
from domain.vocabulary import ProgressStatus
from persistence import read_model as queries
from persistence.models import Organisation
from web.app import page
from web.auth import CurrentUser, can_act_as_owner, can_decide_extension, can_review
from web.deps import check_csrf, current_user, get_db
from web.page_helpers import FormState, _safe_next, note_problem, parse_vn_date, pending_extensions, typed_evidence
from web.uploads import StreamedForm, keep, read_form, remove_kept

router = APIRouter()


@router.get("/tasks/{task_id}", include_in_schema=False)
def task_page(request: Request, task_id: int, ok: str | None = None, error: str | None = None,
              user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    return render_task(request, user, db, task_id, ok=ok, error=error)


def render_task(request: Request, user: CurrentUser, db: Session, task_id: int, *, ok: str | None = None,
                error: str | None = None, form: FormState | None = None, status_code: int = 200) -> Response:
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
    evidence = typed_evidence(values, form.errors)
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


# The evidence fields a refused completion or progress form shows again as typed.
EVIDENCE_FIELDS = ("document_number", "document_date", "link", "kept_file", "kept_file_name")


def _typed_evidence_fields(fields: dict[str, str]) -> dict[str, str]:
    return {name: fields.get(name, "") for name in EVIDENCE_FIELDS}


@router.post("/tasks/{task_id}/complete", include_in_schema=False)
async def complete(request: Request, task_id: int, user: CurrentUser = Depends(current_user)) -> Response:
    # No Form/File parameters: FastAPI would read the whole body before the login check.
    streamed = await _read_evidence_form(request, user, task_id, "submit")
    if isinstance(streamed, Response):
        return streamed
    f = streamed.fields
    occurrence, note = f.get("occurrence", ""), f.get("note", "")
    form = FormState("complete", occurrence, {**_typed_evidence_fields(f), "note": note})
    if problem := note_problem(note):
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
                                              **_typed_evidence_fields(f)})
    if status not in {s.value for s in ProgressStatus}:
        form.errors["status"] = "Cần chọn tình trạng thực hiện."
    if not result.strip():
        form.errors["result"] = "Cần ghi kết quả thực hiện trong kỳ."
    elif problem := note_problem(result):
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


async def _review(request: Request, user: CurrentUser, task_id: int, kind: str, occurrence: str, decision: str,
                  text: str, back: str, field: str, missing_reason: str, done: tuple[str, str]) -> Response:
    """Accept or return a report (completion or progress): a return needs a reason, kept on refusal."""
    accepted = decision == "accept"
    if not accepted and not text.strip():
        if back:
            return RedirectResponse(f"{_safe_next(back)}?{urlencode({'error': 'Cần ghi lý do trả lại.'})}", status_code=303)
        form = FormState(kind, occurrence, {field: text}, {field: missing_reason})
        return await run_in_threadpool(_render_refused, request, user, task_id, form)
    reason = text.strip()
    action = ActionRequest(kind, occurrence, note=reason, accepted=accepted,
                           reason=reason if kind == "review_progress" else "")
    return await _run(request, user, task_id, action, done[0] if accepted else done[1],
                      back=_safe_next(back) if back else None)


@router.post("/tasks/{task_id}/progress/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def review_progress(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                          reason: str = Form(""), back: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    return await _review(request, user, task_id, "review_progress", occurrence, decision, reason, back, "reason",
                         "Cần ghi lý do trả lại báo cáo tiến độ.",
                         ("Đã chấp nhận báo cáo tiến độ.", "Đã trả lại báo cáo tiến độ."))


@router.post("/tasks/{task_id}/review", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def review(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                 note: str = Form(""), back: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    return await _review(request, user, task_id, "review", occurrence, decision, note, back, "note",
                         "Cần ghi lý do trả lại báo cáo.", ("Đã xác nhận hoàn thành.", "Đã trả lại báo cáo."))


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
    elif problem := note_problem(reason):
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
