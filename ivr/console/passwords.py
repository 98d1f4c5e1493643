"""Password hashing with argon2 (argon2-cffi), off the event loop.

An argon2 hash costs tens of milliseconds of CPU and 64 MiB by design; run on the loop it would
stall every call's audio on this instance, so every hash and check runs in a thread. A sign-in
for a name that does not exist still checks a password against a dummy hash, so the answer's
timing does not tell which names exist.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not a password anyone has")


def weak_password_reason(password: str) -> str | None:
    """Why a new password is refused, or None. Length is the one rule that matters (NIST 800-63B)."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > 1024:
        return "at most 1024 characters"
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher().hash, password)


def _check(stored: str | None, password: str) -> tuple[bool, bool]:
    hasher = _hasher()
    try:
        hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False, False
    return stored is not None, stored is not None and hasher.check_needs_rehash(stored)


async def check_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs a new hash); `stored` None = no such user, checked against a dummy anyway."""
    return await asyncio.to_thread(_check, stored, password)
