"""Accounts: one's own password, the one-time link that sets a password, where each role lands.

Also here, because every page needs them: ``Cache-Control: no-store`` on whatever the
app answers (so that Back after logout never shows a page with data) and the working-day
countdown shown beside upcoming due dates. :func:`install` wires all of it into the app
with one line in ``web/app.py``; the administrator's pages are in :mod:`web.admin`.

The one-time link carries a token signed with a key derived from the app's secret: the
officer's ID, an expiry and the officer's session fingerprint (password hash, role,
organisation, active flag). Setting the password changes the fingerprint, so the link
works once; a role change or deactivation also voids it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from persistence.models import Officer, Organisation, Role
from web.app import page
from web.auth import (
    CurrentUser,
    SessionSigner,
    end_officer_sessions,
    hash_password,
    new_csrf_token,
    session_fingerprint,
    start_session,
    verify_password,
)
from web.deps import check_csrf, current_user, get_db

router = APIRouter()

MIN_PASSWORD = 8
LINK_HOURS = 72  # a set-password link works for three days, once


# --- where each role lands --------------------------------------------------------------------


def landing_for(user: CurrentUser) -> str:
    """The first page of a role: officers their work, leaders their decisions, coordinators the overview."""
    if user.role == Role.OFFICER:
        return "/my"
    if user.role in (Role.CHAIRMAN, Role.VICE_CHAIRMAN):
        return "/decisions"
    return "/overview"


# --- passwords ----------------------------------------------------------------------------------


def password_problem(password: str, confirm: str) -> str | None:
    """Why a new password is refused (Vietnamese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự."
    if password != confirm:
        return "Hai lần nhập mật khẩu mới không giống nhau."
    return None


def forget_cached(request: Request, officer_id: int) -> None:
    """Drop the officer's cached logins: an ended session stops at once, not within seconds."""
    cache: dict = request.app.state.user_cache
    for key in [k for k in cache if k and k[0] == officer_id]:
        cache.pop(key, None)


def set_password(db: Session, request: Request, officer: Officer, password: str) -> None:
    """Store a new password and end every session of the officer."""
    officer.password_hash = hash_password(password)
    db.add(officer)
    db.commit()
    end_officer_sessions(db, officer.id)
    forget_cached(request, officer.id)


def _link_signer(request: Request) -> SessionSigner:
    secret = request.app.state.signer.secret
    key = hmac.new(secret, b"dondoc set-password link", hashlib.sha256).digest()
    return SessionSigner(key, max_age=LINK_HOURS * 3600)


def password_link(request: Request, officer: Officer) -> str:
    """A one-time link (absolute URL) that lets ``officer`` set a password."""
    token = _link_signer(request).dumps({"r": officer.id, "f": session_fingerprint(officer)})
    base = request.app.state.settings.base_url.rstrip("/")
    return f"{base}/account/set/{quote(token, safe='')}"


def officer_of_link(request: Request, db: Session, token: str) -> Officer | None:
    """The officer a valid, unused, unexpired link is for."""
    data = _link_signer(request).loads(token)
    if not data or "r" not in data:
        return None
    officer = db.get(Officer, int(data["r"]))
    if officer is None or not officer.active:
        return None
    if not hmac.compare_digest(str(data.get("f", "")), session_fingerprint(officer)):
        return None  # used already (the password changed), or the role changed since
    return officer


# --- own account ----------------------------------------------------------------------------------


@router.get("/account", include_in_schema=False)
def account_page(request: Request, ok: str | None = None, user: CurrentUser = Depends(current_user),
                 db: Session = Depends(get_db)) -> Response:
    officer = db.get(Officer, user.id)
    return page(request, "account.html", {"user": user, "officer": officer, "nav": "account", "ok": ok, "errors": {}})


@router.post("/account/password", include_in_schema=False, dependencies=[Depends(check_csrf)])
def change_password(
    request: Request, current: str = Form(""), password: str = Form(""), confirm: str = Form(""),
    user: CurrentUser = Depends(current_user), db: Session = Depends(get_db),
) -> Response:
    from web.page_helpers import set_session

    officer = db.get(Officer, user.id)
    errors: dict[str, str] = {}
    if not verify_password(officer.password_hash, current):
        errors["current"] = "Mật khẩu hiện tại không đúng."
    problem = password_problem(password, confirm)
    if problem:
        errors["confirm" if "giống" in problem else "password"] = problem
    if errors:
        return page(request, "account.html", {"user": user, "officer": officer, "nav": "account", "ok": None,
                                              "errors": errors}, status_code=400)
    set_password(db, request, officer, password)
    # Every other login of this account ends; this browser gets a fresh session.
    response = RedirectResponse("/account?" + urlencode({"ok": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc."}),
                                status_code=303)
    db.refresh(officer)
    set_session(request, response, {"u": officer.id, "o": officer.organisation_id, "c": new_csrf_token(),
                                    "s": start_session(db, officer)})
    return response


# --- the one-time link ------------------------------------------------------------------------------


def _link_context(request: Request, db: Session, token: str) -> dict[str, Any]:
    officer = officer_of_link(request, db, token)
    if officer is None:
        raise HTTPException(404, "Liên kết đặt mật khẩu không còn hiệu lực (đã dùng hoặc đã hết hạn). "
                                 "Hãy đề nghị quản trị viên cấp liên kết mới.")
    org = db.get(Organisation, officer.organisation_id)
    return {"user": None, "officer": officer, "organisation": org, "token": token, "errors": {},
            "hours": LINK_HOURS}


@router.get("/account/set/{token}", include_in_schema=False)
def link_form(request: Request, token: str, db: Session = Depends(get_db)) -> Response:
    from web.deps import session_data
    from web.page_helpers import set_session

    context = _link_context(request, db, token)
    data = session_data(request)
    csrf = data["c"] if data and data.get("c") else new_csrf_token()
    response = page(request, "account_set.html", {**context, "csrf": csrf})
    if not (data and data.get("c")):
        set_session(request, response, {"u": None, "o": None, "c": csrf})
    return response


@router.post("/account/set/{token}", include_in_schema=False, dependencies=[Depends(check_csrf)])
def link_submit(request: Request, token: str, password: str = Form(""), confirm: str = Form(""),
                db: Session = Depends(get_db)) -> Response:
    from web.deps import session_data

    context = _link_context(request, db, token)
    problem = password_problem(password, confirm)
    if problem:
        context["errors"] = {"confirm" if "giống" in problem else "password": problem}
        return page(request, "account_set.html", {**context, "csrf": (session_data(request) or {}).get("c")},
                    status_code=400)
    officer = context["officer"]
    set_password(db, request, officer, password)
    org = context["organisation"]
    query = {"username": officer.username, "done": "1"}
    if org is not None:
        query["organisation"] = org.code
    return RedirectResponse("/login?" + urlencode(query), status_code=303)


# --- no-store, countdown, wiring ---------------------------------------------------------------------


class NoStore:
    """ASGI middleware: ``Cache-Control: no-store`` on every answer but the static files.

    A page with data must not come back from the browser's cache (or back-forward cache)
    after logout; the login and set-password forms carry a CSRF token, so they go too.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"cache-control", b"pragma")]
                headers += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)


class Countdowns:
    """``countdown(due, organisation_id)`` for templates: "còn 3 ngày làm việc" on the organisation's calendar."""

    CALENDAR_SECONDS = 300.0  # days off edited by the administrator show within this

    def __init__(self, engine: Any, timezone: str) -> None:
        self.engine = engine
        self.timezone = timezone
        self._calendars: dict[int | None, tuple[Any, float]] = {}

    def calendar(self, organisation_id: int | None) -> Any:
        from domain.calendar import organisation_calendar

        hit = self._calendars.get(organisation_id)
        now = time.monotonic()
        if hit is not None and hit[1] > now:
            return hit[0]
        org = None
        if organisation_id is not None:
            with Session(self.engine) as db:
                org = db.get(Organisation, organisation_id)
        calendar = organisation_calendar(org.extra_days_off or [] if org else [], org.makeup_working_days or [] if org else [])
        self._calendars[organisation_id] = (calendar, now + self.CALENDAR_SECONDS)
        return calendar

    def __call__(self, due: date | None, organisation_id: int | None = None) -> str:
        from domain.status import countdown_text
        from persistence.read_model import today_in

        if due is None:
            return ""
        return countdown_text(due, today_in(self.timezone), self.calendar(organisation_id))


def install(app: FastAPI) -> None:
    """Add the account pages, the administrator's pages, no-store and the countdown to ``app``."""
    from web import admin

    app.include_router(router)
    app.include_router(admin.router)
    app.add_middleware(NoStore)
    app.state.templates.env.globals["countdown"] = Countdowns(app.state.engine, app.state.settings.timezone)
    app.state.templates.env.globals["landing_for"] = landing_for
