"""The caller's number as the attempt limits keep it: a keyed hash, never the number.

A caller's number is personal data. To count one caller's failed attempts across calls the
service needs only to know that two calls came from the same number, so it keeps HMAC-SHA256 of
the number under a service secret (`derive_key`): without the secret a stored value can't be
turned back into a number by hashing every possible one (Japanese mobile numbers are few enough
to try them all). Rotating the secret starts the per-caller counts afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from jtext.written_numbers import canonical_phone

WITHHELD = "withheld"  # callers without a number share one count (see docs/security.md)
_LABEL = b"ivr identification attempts: caller key v1"
_NOT_DIGIT = re.compile(r"\D")


def derive_key(secret: str) -> bytes:
    """The hashing key from a service secret; a label keeps it apart from other keys made from it."""
    return hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()


def caller_key(caller_phone: str | None, key: bytes | None) -> str:
    """The caller's key: the HMAC (hex) of the number in one canonical form (+8190… = 090…), or
    WITHHELD for no number. Without a key there is no per-caller count (""), never a plain hash."""
    if key is None:
        return ""
    number = canonical_phone(caller_phone or "") or _NOT_DIGIT.sub("", caller_phone or "")
    if not number:
        return WITHHELD
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def caller_reference(key: str) -> str:
    """What staff see of a caller key: enough to tell two callers apart, no more."""
    return key if key == WITHHELD else key[:8]
