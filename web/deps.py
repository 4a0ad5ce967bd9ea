"""Request-scoped helpers: the DB session, the logged-in user, the CSRF check."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from persistence.models import Officer, Organisation, Role
from persistence.read_model import unit_codes_of
from web.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, CurrentUser, csrf_matches, end_session, session_alive


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def session_data(request: Request) -> dict[str, Any] | None:
    """The verified session payload of the request (cached on the request)."""
    if not hasattr(request.state, "session_data"):
        signer = request.app.state.signer
        request.state.session_data = signer.loads(request.cookies.get(SESSION_COOKIE))
    return request.state.session_data


USER_CACHE_SECONDS = 5.0  # a deactivated account or changed role (from another process) takes effect within this


def load_user(engine: Any, data: dict[str, Any], idle_seconds: float = 2 * 3600) -> CurrentUser | None:
    """The officer of a verified session payload, or None if gone, inactive or the session ended."""
    with Session(engine) as db:
        officer = db.get(Officer, int(data["u"]))
        # A deactivated account, or one moved to another organisation, loses its session.
        if officer is None or not officer.active or officer.organisation_id != data.get("o"):
            return None
        # Logged out, idle too long, or the password / role changed since login.
        if not session_alive(db, data.get("s"), officer, idle_seconds):
            return None
        org = db.get(Organisation, officer.organisation_id)
        return CurrentUser(
            id=officer.id, username=officer.username, full_name=officer.full_name, role=Role(officer.role),
            organisation_id=officer.organisation_id, organisation_name=org.name if org else "",
            unit_codes=unit_codes_of(db, officer.id), csrf_token=str(data.get("c", "")),
        )


async def optional_user(request: Request) -> CurrentUser | None:
    """The logged-in officer, or None (cached a few seconds per session: no DB on most requests)."""
    data = session_data(request)
    if not data or not data.get("u"):
        return None
    cache: dict = request.app.state.user_cache
    key = (data.get("u"), data.get("o"), data.get("c"), data.get("s"))
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[1] > now:
        return hit[0]
    user = await run_in_threadpool(load_user, request.app.state.engine, data, request.app.state.idle_seconds)
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (user, now + USER_CACHE_SECONDS)
    return user


def forget_session(request: Request) -> None:
    """Logout: end the request's session in the database and drop it from the cache."""
    data = session_data(request) or {}
    sid = data.get("s")
    if sid:
        with Session(request.app.state.engine) as db:
            end_session(db, sid)
        cache: dict = request.app.state.user_cache
        for key in [k for k in cache if k[3] == sid]:
            cache.pop(key, None)


def current_user(user: CurrentUser | None = Depends(optional_user)) -> CurrentUser:
    """The logged-in officer; raises :class:`LoginRequired` otherwise."""
    if user is None:
        raise LoginRequired()
    return user


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token (form field or header) is missing or wrong."""
    data = session_data(request) or {}
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not csrf_matches(data.get("c"), given):
        raise HTTPException(status_code=403, detail="Phiên làm việc không hợp lệ (thiếu mã chống giả mạo CSRF). Hãy tải lại trang.")
