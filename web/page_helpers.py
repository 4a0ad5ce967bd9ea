"""What the page modules share: rendering, the session cookie, safe redirects, the snapshot, a refused form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from actions.perform import NOTE_LIMIT, ActionError
from domain import clock
from persistence import read_model as queries
from persistence.models import Occurrence, OccurrenceStatus
from web.auth import SESSION_COOKIE, CurrentUser

PAGE_SIZE = 50


def parse_vn_date(text: str | None) -> date | None:
    """domain.clock's reading of a typed date, refused as a form error (400)."""
    try:
        return clock.parse_vn_date(text)
    except ValueError as error:
        raise ActionError(400, str(error)) from None


def typed_evidence(values: dict, errors: dict) -> dict:
    """The typed evidence of a form (số văn bản, ngày văn bản dd/mm/yyyy, đường dẫn), checked into ``errors``.

    Keys as every report stores them (domain.evidence): ``document_number``,
    ``document_date`` (ISO), ``link``; empty ones are left out.
    """
    evidence = {"document_number": (values.get("document_number") or "").strip(), "link": (values.get("link") or "").strip()}
    try:
        doc_date = parse_vn_date(values.get("document_date"))
        if doc_date:
            evidence["document_date"] = doc_date.isoformat()
    except ActionError as error:
        errors["document_date"] = error.message
    link = evidence["link"]
    if link and not link.startswith(("http://", "https://")):
        errors["link"] = "Đường dẫn phải bắt đầu bằng http:// hoặc https://."
    return {k: v for k, v in evidence.items() if v}


def note_problem(note: str) -> str | None:
    """Why a note is refused (too long), or None."""
    if len(note) > NOTE_LIMIT:
        return f"Ghi chú dài {len(note):,} ký tự, tối đa {NOTE_LIMIT:,} ký tự.".replace(",", ".")
    return None


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
