"""Officer, coordinator and chairman actions: checked here, carried out by the task workflow.

Each action is sent to the task's workflow as an update through the typed client
(workflows.client); the workflow's activities write the resulting state and events to
the database, which the pages then read back. The web pages, the JSON API and the CLI
all go through :func:`perform`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from workflows import client as task_client
from contracts import task_workflow as task_types
from persistence.models import Occurrence, Officer, Task, TaskStatus
from domain.vocabulary import ProgressStatus
from domain import rules
from domain.rules import ACTION_LABELS, Actor, RuleRefusal  # noqa: F401  (ACTION_LABELS re-exported)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
NOTE_LIMIT = 4000  # characters of a note, a reason or a result text
# Evidence is a document: the types an office produces or scans, nothing executable.
UPLOAD_TYPES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".jpg", ".jpeg", ".png", ".zip")


class ActionError(RuleRefusal):
    """An action that cannot be carried out; ``status`` is the HTTP status, the message Vietnamese."""


@dataclass
class ActionRequest:
    """What the user asked for, as read from a form, a JSON body or the command line."""

    kind: str
    occurrence_key: str
    note: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)  # document_number, document_date, link, file
    accepted: bool | None = None  # review / decide_extension
    new_due: date | None = None  # request_extension / decide_extension
    reason: str = ""
    to_username: str | None = None  # reassign
    progress_status: str | None = None  # progress: not_started / in_progress / done / blocked
    result: str = ""  # progress: what was done in the period
    figures: dict[str, Any] = field(default_factory=dict)  # progress: optional numbers


def check_permission(user: Actor, task: Task, occurrence: Occurrence, kind: str) -> None:
    """Raise :class:`ActionError` (403) unless ``user`` may do ``kind`` on the occurrence (domain.rules)."""
    try:
        rules.check_permission(user, task.lead_units or [], occurrence.lead_username, kind)
    except RuleRefusal as refusal:
        raise ActionError(refusal.status, refusal.message) from None


def check_state(task: Task, occurrence: Occurrence, kind: str) -> None:
    """Refuse (409) an action that makes no sense in the occurrence's current state (domain.rules)."""
    try:
        rules.check_state(task.status == TaskStatus.ACTIVE, occurrence.status, occurrence.kind, kind)
    except RuleRefusal as refusal:
        raise ActionError(refusal.status, refusal.message) from None


def check_allowed(engine: Any, user: Actor, task_id: int, occurrence_key: str, kind: str) -> None:
    """The 404/403/409 checks of :func:`perform`, run before an upload is read."""
    with Session(engine) as session:
        task = session.get(Task, task_id)
        if task is None or task.organisation_id != user.organisation_id:
            raise ActionError(404, "Không tìm thấy nhiệm vụ.")
        occurrence = session.exec(
            select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.key == occurrence_key)
        ).first()
        if occurrence is None:
            raise ActionError(404, "Không tìm thấy kỳ thực hiện.")
        check_permission(user, task, occurrence, kind)
        check_state(task, occurrence, kind)


def check_not_too_early(session: Session, task: Task, occurrence: Occurrence, kind: str, today: date) -> None:
    """Refuse (409) a report more than one reporting period ahead: the one rule for web, API and CLI.

    A progress update, or the completion of one period of a recurring task, may be sent
    for the current reporting period and the next one, not later ones. A one-off task
    may be completed early (its single deadline is not a period of a series).
    """
    if kind not in ("submit", "progress"):
        return
    from persistence.models import Organisation
    from persistence.progress import reporting_calendar

    if kind == "submit":
        siblings = session.exec(select(Occurrence.id).where(Occurrence.task_id == task.id, Occurrence.kind == occurrence.kind)).all()
        if len(siblings) < 2:
            return
    org = session.get(Organisation, task.organisation_id)
    assert org is not None  # the task's organisation row exists (foreign key)
    calendar = reporting_calendar(org)
    current = calendar.current_period(today)
    following = calendar.period_of(current.window_end + timedelta(days=1))
    if occurrence.nominal > following.report_due:
        raise ActionError(409, f"Chưa đến lúc báo cáo kỳ {occurrence.period}: chỉ nhận báo cáo của kỳ này "
                               f"({current.label}) và kỳ tiếp theo ({following.label}).")


def validate(session: Session, user: Actor, request: ActionRequest, occurrence: Occurrence) -> None:
    """Field checks that do not depend on the workflow (400)."""
    if request.kind == "submit":
        ev = request.evidence
        if not any(ev.get(k) for k in ("document_number", "link", "file", "note")) and not request.note.strip():
            raise ActionError(400, "Cần có minh chứng: số văn bản, đường dẫn, tệp đính kèm hoặc ghi chú.")
    if request.kind == "progress":
        if request.progress_status not in {s.value for s in ProgressStatus}:
            raise ActionError(400, "Cần chọn tình trạng: " + ", ".join(s.label for s in ProgressStatus) + ".")
        if not request.result.strip():
            raise ActionError(400, "Cần ghi kết quả thực hiện trong kỳ.")
    if request.kind == "review_progress":
        if request.accepted is None:
            raise ActionError(400, "Cần chọn chấp nhận hoặc trả lại.")
        if not request.accepted and not (request.reason or request.note).strip():
            raise ActionError(400, "Cần ghi lý do trả lại báo cáo tiến độ.")
    if request.kind == "review" and request.accepted is None:
        raise ActionError(400, "Cần chọn xác nhận hoặc trả lại.")
    if request.kind == "request_extension":
        if request.new_due is None:
            raise ActionError(400, "Cần ghi ngày đề nghị gia hạn đến.")
        if request.new_due <= occurrence.effective_due:
            raise ActionError(400, f"Ngày gia hạn phải sau hạn hiện tại ({occurrence.effective_due:%d/%m/%Y}).")
        if not request.reason.strip():
            raise ActionError(400, "Cần ghi lý do đề nghị gia hạn.")
    if request.kind == "decide_extension":
        if request.accepted is None:
            raise ActionError(400, "Cần chọn đồng ý hoặc không đồng ý gia hạn.")
        if request.accepted and request.new_due is not None and request.new_due <= occurrence.due:
            raise ActionError(400, "Ngày gia hạn phải sau hạn ban đầu.")
    if request.kind == "reassign":
        target = session.exec(
            select(Officer).where(Officer.organisation_id == user.organisation_id, Officer.username == request.to_username)
        ).first()
        if target is None or not target.active:
            raise ActionError(400, "Không tìm thấy công chức được giao.")


def build_message(request: ActionRequest, actor: str) -> Any:
    """The workflow message of ``request``, field by field."""
    ev = request.evidence
    kind = request.kind
    if kind == "submit":
        return task_types.SubmitCompletion(
            occurrence_key=request.occurrence_key, actor=actor, document_number=ev.get("document_number"),
            document_date=ev.get("document_date"), link=ev.get("link"), file=ev.get("file"),
            note=request.note or ev.get("note") or "",
        )
    if kind == "review":
        return task_types.ReviewCompletion(occurrence_key=request.occurrence_key, actor=actor,
                                           approved=bool(request.accepted), reason=request.reason or request.note)
    if kind == "request_extension":
        return task_types.RequestExtension(occurrence_key=request.occurrence_key, actor=actor,
                                           new_due=request.new_due.isoformat() if request.new_due else "",
                                           reason=request.reason or request.note)
    if kind == "decide_extension":
        return task_types.DecideExtension(occurrence_key=request.occurrence_key, actor=actor,
                                          approved=bool(request.accepted),
                                          new_due=request.new_due.isoformat() if request.new_due else None,
                                          reason=request.reason or request.note)
    if kind == "reassign":
        return task_types.Reassign(actor=actor, to_username=request.to_username,
                                   occurrence_key=request.occurrence_key, reason=request.reason or request.note)
    if kind == "progress":
        return task_types.SubmitProgress(
            period_key=request.occurrence_key.removesuffix(task_types.PROGRESS_SUFFIX), actor=actor,
            status=request.progress_status or "", result=request.result, figures=dict(request.figures),
            document_number=ev.get("document_number"), document_date=ev.get("document_date"),
            link=ev.get("link"), file=ev.get("file"), file_name=ev.get("file_name"),
        )
    if kind == "review_progress":
        return task_types.ReviewProgress(period_key=request.occurrence_key.removesuffix(task_types.PROGRESS_SUFFIX),
                                         actor=actor, accepted=bool(request.accepted),
                                         reason=request.reason or request.note)
    raise ActionError(400, f"Thao tác không hợp lệ: {kind}")


# Action kind -> the typed client function that delivers its message.
SENDERS: dict[str, Callable[[Any, Any], Awaitable[Any]]] = {
    "submit": task_client.submit_completion,
    "review": task_client.review_completion,
    "request_extension": task_client.request_extension,
    "decide_extension": task_client.decide_extension,
    "reassign": task_client.reassign,
    "progress": task_client.submit_progress,
    "review_progress": task_client.review_progress,
}


async def send(client: Client, workflow_id: str, kind: str, message: Any) -> Any:
    """Deliver ``message`` to the task workflow through the typed client."""
    return await SENDERS[kind](task_client.task_handle(client, workflow_id), message)


async def perform(
    client_provider: Any, engine: Any, user: Actor | None, task_id: int, request: ActionRequest, *, actor: str | None = None,
) -> Occurrence:
    """Check and carry out one action; return the occurrence as stored afterwards.

    Args:
        client_provider: async callable returning a Temporal client.
        engine: the dondoc database (read before and after).
        user: the logged-in user, or None for the command line (an operator on the server).
        task_id: the task (must belong to the user's organisation: 404 otherwise).
        request: the action.
        actor: recorded as the actor when ``user`` is None.

    Raises:
        ActionError: 404 unknown task/occurrence, 403 not allowed, 400 bad input,
            409 wrong state, 502 the workflow refused or could not be reached.
    """
    with Session(engine, expire_on_commit=False) as session:
        task = session.get(Task, task_id)
        if task is None or (user is not None and task.organisation_id != user.organisation_id):
            raise ActionError(404, "Không tìm thấy nhiệm vụ.")
        occurrence = session.exec(
            select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.key == request.occurrence_key)
        ).first()
        if occurrence is None:
            raise ActionError(404, "Không tìm thấy kỳ thực hiện.")
        if user is not None:
            check_permission(user, task, occurrence, request.kind)
            validate(session, user, request, occurrence)
        check_state(task, occurrence, request.kind)
        check_not_too_early(session, task, occurrence, request.kind, clock_today(task, session))
        if not task.workflow_id:
            raise ActionError(409, "Nhiệm vụ chưa được kích hoạt (chưa có quy trình đôn đốc).")
        workflow_id = task.workflow_id
        occurrence_id = occurrence.id
    try:
        client = await client_provider()
        message = build_message(request, user.username if user is not None else (actor or "admin"))
        await send(client, workflow_id, request.kind, message)
    except WorkflowUpdateFailedError as error:
        raise ActionError(409, f"Quy trình từ chối thao tác: {task_client.refusal_message(error)}") from error
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:  # the workflow finished meanwhile (done, cancelled)
            raise ActionError(409, "Quy trình đôn đốc của nhiệm vụ này vừa kết thúc (kỳ đã hoàn thành hoặc "
                                   "nhiệm vụ đã bị huỷ): thao tác không còn áp dụng. Hãy tải lại trang.") from error
        raise ActionError(502, f"Không gửi được tới quy trình đôn đốc: {error.message}") from error
    except RuntimeError as error:
        raise ActionError(503, str(error)) from error
    with Session(engine, expire_on_commit=False) as session:
        stored = session.get(Occurrence, occurrence_id)
        assert stored is not None  # occurrences are never deleted
        return stored


def upload_problem(filename: str) -> str | None:
    """Why an evidence file is refused (Vietnamese), or None: only document types are taken."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in UPLOAD_TYPES:
        shown = suffix or "không có phần mở rộng"
        return (f"Không nhận tệp «{Path(filename).name}» ({shown}): chỉ nhận tài liệu PDF, Word (.doc, .docx), "
                "Excel (.xls, .xlsx), .odt, ảnh .jpg, .png hoặc tệp nén .zip.")
    return None


def clock_today(task: Task, session: Session) -> date:
    """Today in the organisation's time zone."""
    from domain.clock import today
    from persistence.models import Organisation

    org = session.get(Organisation, task.organisation_id)
    return today(org.timezone if org else None)


def safe_filename(name: str) -> str:
    """A file name safe to store: no path or control characters, Vietnamese letters kept, bounded."""
    base = Path((name or "minh-chung").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip("._ ") or "minh-chung"
    base = re.sub(r"\s+", " ", base)
    return base[-100:]


def stored_name(path: str) -> str:
    """The name a stored upload was given by its author (the part after the random prefix)."""
    return Path(path).name.split("-", 1)[-1]


def store_upload(upload_dir: Path, organisation_id: int, task_id: int, filename: str, data: bytes) -> str:
    """Save an evidence file; return its path relative to ``upload_dir``."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ActionError(400, "Tệp đính kèm quá lớn (tối đa 20 MB).")
    if problem := upload_problem(filename):
        raise ActionError(400, problem)
    relative = Path(str(organisation_id)) / str(task_id) / f"{uuid.uuid4().hex[:12]}-{safe_filename(filename)}"
    target = upload_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative.as_posix()
