"""Password hashing (argon2id): the one place that knows the parameters.

Used by the dashboard's login, the CLI's ``user set-password`` and the demo accounts.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): about 19 ms per check on the
# 2-core machines measured (the library default, 64 MiB x 3 x 4 lanes, took 178 ms and
# made login p95 several seconds with 20 clients). Older hashes still verify and are
# re-hashed with these parameters at the next successful login.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; False for no hash or a malformed one."""
    if not password_hash:
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters (re-hash at the next login)."""
    return HASHER.check_needs_rehash(password_hash)
