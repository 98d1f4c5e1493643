"""The second factor after a near or surname-only match: the last four digits of the phone on file.

A plate number and part of a surname are not enough to hear a route, and reading the roster's
name back would hand the caller the name they did not know. So a likely driver is confirmed by
something the caller must already know: the last digits of the driver's own phone. The digits
are compared here, in code, with the phone on file; the model never sees the phone and only
relays what the caller said, and the caller must have said those digits (`heard`: read from the
caller's own transcript by the conversation), so nothing is proved on the model's word alone.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from jtext.written_numbers import canonical_phone
from lookup.spoken_digits import parse_spoken_number

TAIL = 4


def phone_tail(phone_on_file: str | None) -> str | None:
    """The last four digits of the phone on file, or None when there is no usable phone."""
    digits = canonical_phone(phone_on_file or "")
    return digits[-TAIL:] if digits else None


def heard_tail(text: str) -> str | None:
    """The four digits a caller said (or the last four of a whole phone number), or None."""
    return parse_spoken_number(text, "phone_tail").digits


def heard_tails(transcripts: Iterable[str]) -> frozenset[str]:
    """Every four digits the caller said in these utterances."""
    return frozenset(t for t in map(heard_tail, transcripts) if t is not None)


def tail_matches(said: str, heard: frozenset[str], phone_on_file: str | None) -> bool:
    """The digits the model relayed are the phone's last four, and the caller said them."""
    tail = phone_tail(phone_on_file)
    if tail is None or said not in heard:
        return False
    return hmac.compare_digest(said.encode(), tail.encode())
