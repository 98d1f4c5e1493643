"""Katakana readings of what drivers will hear. Being built (issue 2): this interim version
reads everything through pyopenjtalk; the public API below is the contract the loader and tools use.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pyopenjtalk

ReadingKind = Literal["address", "date", "time", "count", "phone", "text"]


def reading(text: str, kind: ReadingKind = "text") -> str:
    """The katakana a Japanese speaker would say for `text`, read as `kind`."""
    return str(pyopenjtalk.g2p(text, kana=True)) if text else ""


def window_reading(start: dt.time | None, end: dt.time | None) -> str:
    """The spoken time window: 'クジカラジュウジマデ'-style, '' when neither end is set."""
    parts = []
    if start is not None:
        parts.append(reading(f"{start.hour}時{start.minute}分" if start.minute else f"{start.hour}時") + "カラ")
    if end is not None:
        parts.append(reading(f"{end.hour}時{end.minute}分" if end.minute else f"{end.hour}時") + "マデ")
    return " ".join(parts)
