"""The chairman's decisions page: every pending extension request with its context.

Shows, for each request, the task, the period, the current due date, the requested
date, the reason and the requester's full name, with grant / deny right there (the
decision goes through ``actions.perform.perform`` like the task page's form).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from actions.perform import ActionError, ActionRequest, perform
from persistence.models import Officer
from web.app import page
from web.auth import CurrentUser, can_decide_extension
from web.deps import check_csrf, current_user, get_db

router = APIRouter()


def _requested(data: dict) -> date | None:
    value = data.get("new_due") or data.get("requested_due") or data.get("to")
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@router.get("/decisions", include_in_schema=False)
def decisions(request: Request, ok: str | None = None, error: str | None = None,
              user: CurrentUser = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    from web.page_helpers import pending_extensions

    rows = []
    names = {o.username: o.full_name for o in db.exec(select(Officer).where(Officer.organisation_id == user.organisation_id))}
    for occ, task, event in pending_extensions(db, user.organisation_id):
        rows.append({"occ": occ, "task": task, "requested": _requested(event.data or {}),
                     "reason": (event.data or {}).get("reason") or (event.data or {}).get("note") or "",
                     "by": names.get(event.actor or "", event.actor or ""), "at": event.at})
    return page(request, "decisions.html", {"user": user, "nav": "decisions", "rows": rows, "ok": ok, "error": error,
                                            "may_decide": can_decide_extension(user)})


@router.post("/decisions/{task_id}", include_in_schema=False, dependencies=[Depends(check_csrf)])
async def decide(request: Request, task_id: int, occurrence: str = Form(...), decision: str = Form(...),
                 note: str = Form(""), user: CurrentUser = Depends(current_user)) -> Response:
    if not can_decide_extension(user):
        raise HTTPException(403, "Chỉ Chủ tịch hoặc Phó Chủ tịch UBND quyết định gia hạn.")
    granted = decision == "grant"
    action = ActionRequest("decide_extension", occurrence, accepted=granted, note=note.strip()[:4000], reason=note.strip()[:4000])
    try:
        await perform(request.app.state.temporal.client, request.app.state.engine, user, task_id, action)
    except ActionError as err:
        if err.status in (403, 404):
            raise HTTPException(err.status, err.message) from err
        return RedirectResponse("/decisions?" + urlencode({"error": err.message}), status_code=303)
    request.app.state.snapshots.invalidate(user.organisation_id)
    message = "Đã đồng ý gia hạn." if granted else "Đã không đồng ý gia hạn."
    return RedirectResponse("/decisions?" + urlencode({"ok": message}), status_code=303)
