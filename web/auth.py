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
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.models import Officer, Role

SESSION_COOKIE = "dondoc_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
DEFAULT_SESSION_SECONDS = 8 * 3600  # one working day

_hasher = PasswordHasher()

COORDINATING_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
DECIDING_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})

ROLE_LABELS: dict[Role, str] = {role: role.label for role in Role}


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; False for no hash or a malformed one."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to verify against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("dondoc-no-such-user")


def check_login(officer: Officer | None, password: str) -> bool:
    """True if ``officer`` exists, is active, has a password and it matches."""
    if officer is None or not officer.password_hash:
        verify_password(_DUMMY_HASH, password)
        return False
    return officer.active and verify_password(officer.password_hash, password)


def load_secret(data_dir: Path) -> bytes:
    """The signing key: ``DONDOC_SECRET_KEY`` or a random key kept in ``<data_dir>/secret_key``."""
    env = os.environ.get("DONDOC_SECRET_KEY")
    if env:
        return env.encode()
    path = Path(data_dir) / "secret_key"
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


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; False when either is missing."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in officer as the pages need it."""

    id: int
    username: str
    full_name: str
    role: Role
    organisation_id: int
    organisation_name: str
    unit_codes: frozenset[str]
    csrf_token: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.value)

    @property
    def is_coordinator(self) -> bool:
        return self.role in COORDINATING_ROLES

    @property
    def decides_extensions(self) -> bool:
        return self.role in DECIDING_ROLES


def owns(user: CurrentUser, lead_units: tuple[str, ...] | list[str], lead_username: str | None) -> bool:
    """True if the occurrence is the user's: reassigned to them, or led by one of their units."""
    if lead_username:
        return lead_username == user.username
    return bool(user.unit_codes.intersection(lead_units))


def can_act_as_owner(user: CurrentUser, lead_units: tuple[str, ...] | list[str], lead_username: str | None) -> bool:
    """May report completion / request an extension: the owner or a coordinator."""
    return user.is_coordinator or owns(user, lead_units, lead_username)


def can_review(user: CurrentUser) -> bool:
    """May confirm/reject completions and reassign: coordinators."""
    return user.is_coordinator


def can_decide_extension(user: CurrentUser) -> bool:
    """May grant or deny an extension: the chairman or a vice-chairman."""
    return user.decides_extensions
