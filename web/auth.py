"""Accounts, sessions, CSRF and permissions of the dashboard.

- Passwords are hashed with argon2id (argon2-cffi).
- The session is a cookie signed with HMAC-SHA256 holding the officer's ID, the
  organisation ID, a CSRF token and an absolute expiry; nothing secret is in it and a
  tampered or expired cookie is ignored.
- Every form carries the session's CSRF token; every state-changing API call sends it
  in the ``X-CSRF-Token`` header. A missing or wrong token is refused with 403.
- Permissions (see :func:`can_act_as_owner` and friends): an officer acts on the
  occurrences of their units (or reassigned to them), a coordinator on every task of the
  organisation, the chairman or a vice-chairman decides extensions. Whoever is logged in
  sees only their own organisation; the queries take the session's organisation ID.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from domain.clock import as_utc
from domain.passwords import hash_password, needs_rehash, verify_password  # noqa: F401  (re-exported)
from domain.rules import (  # noqa: F401  (re-exported for the pages)
    COORDINATING_ROLES,
    DECIDING_ROLES,
    INDICATOR_REFUSAL,
    Actor,
    can_act_as_owner,
    can_decide_extension,
    can_report_indicator,
    can_review,
    owns,
)
from persistence.models import Officer, Role, WebSession, utcnow

SESSION_COOKIE = "dondoc_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
DEFAULT_SESSION_SECONDS = 8 * 3600  # one working day

ROLE_LABELS: dict[Role, str] = {role: role.label for role in Role}


# A hash to verify against when the username is unknown, so both cases take as long.
_DUMMY_HASH = hash_password("dondoc-no-such-user")


def check_login(officer: Officer | None, password: str) -> bool:
    """True if ``officer`` exists, is active, has a password and it matches."""
    if officer is None or not officer.password_hash:
        verify_password(_DUMMY_HASH, password)
        return False
    return officer.active and verify_password(officer.password_hash, password)


def load_secret(settings: Any) -> bytes:
    """The signing key: ``Settings.secret_key`` (DONDOC_SECRET_KEY) or a random key kept in ``<data_dir>/secret_key``."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.data_dir) / "secret_key"
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Signs and verifies session payloads (JSON) with an expiry."""

    def __init__(self, secret: bytes, max_age: int = DEFAULT_SESSION_SECONDS) -> None:
        self.secret = secret
        self.max_age = max_age

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())

    def dumps(self, payload: dict[str, Any], now: float | None = None) -> str:
        """A cookie value for ``payload``, valid for ``max_age`` seconds from ``now``."""
        data = dict(payload, exp=int((now or time.time()) + self.max_age))
        body = _b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def loads(self, token: str | None, now: float | None = None) -> dict[str, Any] | None:
        """The payload of a valid, unexpired token, else None."""
        if not token or "." not in token:
            return None
        body, mac = token.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            data = json.loads(_unb64(body))
        except (ValueError, json.JSONDecodeError):
            return None
        if not isinstance(data, dict) or int(data.get("exp", 0)) < (now or time.time()):
            return None
        return data


def session_fingerprint(officer: Officer) -> str:
    """Changes when the password, role, organisation or active flag changes: sessions end."""
    blob = f"{officer.password_hash}|{Role(officer.role).value}|{officer.organisation_id}|{officer.active}"
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def start_session(db: Session, officer: Officer) -> str:
    """Record a new login of ``officer``; returns the session ID the cookie carries."""
    sid = secrets.token_urlsafe(24)
    db.add(WebSession(id=sid, officer_id=officer.id, fingerprint=session_fingerprint(officer)))
    db.commit()
    return sid


def end_session(db: Session, sid: str | None) -> None:
    """End one session (logout): its cookie no longer opens anything."""
    row = db.get(WebSession, sid) if sid else None
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db.add(row)
        db.commit()


def end_officer_sessions(db: Session, officer_id: int) -> int:
    """End every session of an officer (e.g. after an administrator resets the password)."""
    from sqlmodel import select

    rows = list(db.exec(select(WebSession).where(WebSession.officer_id == officer_id, WebSession.ended_at.is_(None))))
    for row in rows:
        row.ended_at = utcnow()
        db.add(row)
    db.commit()
    return len(rows)


SEEN_WRITE_SECONDS = 60  # last_seen_at is written at most this often per session


def session_alive(db: Session, sid: str | None, officer: Officer, idle_seconds: float, now: float | None = None) -> bool:
    """True if session ``sid`` of ``officer`` is neither ended, idle too long nor outdated.

    Touches ``last_seen_at`` (at most once a minute) so the idle clock restarts.
    """
    row = db.get(WebSession, sid) if sid else None
    if row is None or row.ended_at is not None or row.officer_id != officer.id:
        return False
    if not hmac.compare_digest(row.fingerprint, session_fingerprint(officer)):
        return False  # password, role or organisation changed, or the account was deactivated
    now = now if now is not None else time.time()
    seen = as_utc(row.last_seen_at)
    assert seen is not None
    idle = now - seen.timestamp()
    if idle > idle_seconds:
        row.ended_at = utcnow()
        db.add(row)
        db.commit()
        return False
    if idle > SEEN_WRITE_SECONDS:
        row.last_seen_at = datetime.fromtimestamp(now, UTC)
        db.add(row)
        db.commit()
    return True


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; False when either is missing."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


@dataclass(frozen=True)
class CurrentUser(Actor):
    """The logged-in officer as the pages need it: the acting person and the session's CSRF token."""

    csrf_token: str = ""


# --------------------------------------------------------------------------- login


log = logging.getLogger("dondoc.web.auth")

MAX_LOCK_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 15 * 60  # failures older than this (with no new one) are forgotten


class LoginRefused(Exception):
    """A login that did not succeed; ``message`` is for the user (Vietnamese).

    Attributes:
        status: 401 (wrong credentials), 429 (throttled) or 409 (choose an organisation).
        choices: (code, name) of the organisations to choose from when status is 409.
    """

    def __init__(self, status: int, message: str, choices: list[tuple[str, str]] | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.choices = choices or []
        self.retry_after = retry_after


class LoginThrottle:
    """Counts failed logins per account and per client address; locks a key for a growing time.

    After ``max_failures`` failures of one key, the key is locked for ``lock_seconds``,
    doubled at each further failure (up to 15 minutes). In memory: one web process
    serves a commune; a restart forgets the counts (and the locks) — acceptable.
    """

    def __init__(self, max_account: int = 5, max_address: int = 20, lock_seconds: int = 60) -> None:
        self.limits = {"account": max_account, "address": max_address}
        self.lock_seconds = lock_seconds
        self._state: dict[tuple[str, str], list[float]] = {}  # key -> [failures, locked_until, last_failure]

    def locked_for(self, keys: list[tuple[str, str]], now: float | None = None) -> float:
        """Seconds until every key in ``keys`` may try again (0: not locked)."""
        now = now if now is not None else time.monotonic()
        wait = 0.0
        for key in keys:
            state = self._state.get(key)
            if state is None:
                continue
            if now - state[2] > FORGET_AFTER_SECONDS and now >= state[1]:
                del self._state[key]
                continue
            wait = max(wait, state[1] - now)
        return wait

    def failed(self, keys: list[tuple[str, str]], now: float | None = None) -> None:
        now = now if now is not None else time.monotonic()
        if len(self._state) > 100_000:  # bound memory under a spray of addresses
            self._state.clear()
        for key in keys:
            state = self._state.setdefault(key, [0, 0.0, now])
            state[0] += 1
            state[2] = now
            over = state[0] - self.limits[key[0]]
            if over >= 0:
                state[1] = now + min(self.lock_seconds * 2 ** min(over, 20), MAX_LOCK_SECONDS)

    def succeeded(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self._state.pop(key, None)


def _minutes(seconds: float) -> int:
    return max(1, int(-(-seconds // 60)))


def authenticate(db: Session, throttle: LoginThrottle, username: str, password: str,
                 organisation: str | None, address: str | None) -> Officer:
    """The officer ``username``/``password`` (in ``organisation``, if given) logs in as.

    The answer never tells whether a username exists, or exists in several
    organisations, unless the password matched.

    Raises:
        LoginRefused: wrong credentials (401), too many failures (429), or the
            password matched accounts of several organisations (409, with choices).
    """
    from sqlmodel import select

    from domain.text import fold
    from persistence.models import Organisation

    name = username.strip()
    org_code = (organisation or "").strip()
    account = ("account", fold(name))
    keys = [account, ("address", address or "?")]
    wait = throttle.locked_for(keys)
    if wait > 0:
        log.warning("login refused (locked): username=%r address=%s wait=%.0fs", name, address, wait)
        raise LoginRefused(429, f"Đăng nhập sai quá nhiều lần: tạm khoá, hãy thử lại sau {_minutes(wait)} phút.",
                           retry_after=int(wait) + 1)
    query = select(Officer).where(Officer.username == name)
    if org_code:
        query = query.join(Organisation, Organisation.id == Officer.organisation_id).where(Organisation.code == org_code)
    candidates = list(db.exec(query.limit(10)).all())
    matched = [officer for officer in candidates if check_login(officer, password)]
    if not candidates:
        check_login(None, password)  # as slow as a real check
    if len(matched) == 1:
        throttle.succeeded([account])
        officer = matched[0]
        if needs_rehash(officer.password_hash):
            officer.password_hash = hash_password(password)
            db.add(officer)
            db.commit()
            db.refresh(officer)
        return officer
    if len(matched) > 1:  # the password is right for several organisations: ask which
        orgs = [db.get(Organisation, o.organisation_id) for o in matched]
        raise LoginRefused(409, "Tài khoản này có ở nhiều đơn vị: hãy chọn đơn vị.",
                           choices=[(o.code, o.name) for o in orgs if o is not None])
    throttle.failed(keys)
    log.warning("login failed: username=%r organisation=%r address=%s", name, org_code or None, address)
    raise LoginRefused(401, "Tên đăng nhập hoặc mật khẩu không đúng.")
