"""Canonical forms of numbers as dispatchers write them in schedule files.

The schedule's vehicle number and the driver's spoken number must land on the same key, so
both sides reduce to plain ASCII digits: 12-34, １２－３４ and 1234 are "1234"; the leading
dots of short plates (・123, ・・12) are padding, not digits.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー・･.·]+")


def canonical_serial(written: str) -> str | None:
    """The plate's serial (一連指定番号) as 1–4 digits, or None when it is not a usable number."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", written or ""))
    if not text.isascii() or not text.isdigit() or not 1 <= len(text) <= 4 or text.startswith("0"):
        return None
    return text


def canonical_phone(written: str) -> str | None:
    """Phone digits only (090-1111-0001 → 09011110001), or None when not a Japanese number."""
    text = unicodedata.normalize("NFKC", written or "")
    text = re.sub(r"[\s\-‐‑‒–—―−ー()（）]+", "", text)
    if text.startswith("+81"):
        text = "0" + text[3:]
    if not text.isascii() or not text.isdigit() or not 10 <= len(text) <= 11 or not text.startswith("0"):
        return None
    return text
