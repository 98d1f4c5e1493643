"""DISPATCH_CLOSED_DATES: days the desk is closed beyond public holidays (年末年始, お盆).

Comma- or semicolon-separated items: ``12-29..01-03`` (every year, wrapping the year end),
``08-13`` (every year), ``2026-12-28`` or ``2026-08-12..2026-08-16`` (once).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_YEARLY = re.compile(r"(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class Closures:
    yearly: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()  # ((month, day), (month, day)) inclusive
    once: tuple[tuple[dt.date, dt.date], ...] = ()

    def closed(self, day: dt.date) -> bool:
        for first, last in self.once:
            if first <= day <= last:
                return True
        md = (day.month, day.day)
        for first_md, last_md in self.yearly:
            inside = first_md <= md <= last_md if first_md <= last_md else (md >= first_md or md <= last_md)
            if inside:
                return True
        return False


def _month_day(text: str, item: str) -> tuple[int, int]:
    m = _YEARLY.fullmatch(text)
    if not m:
        raise ValueError(f"{item!r}: {text!r} is not MM-DD or YYYY-MM-DD")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        dt.date(2024, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        raise ValueError(f"{item!r}: {text!r} is not a day of the year") from None
    return month, day


def _date(text: str, item: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{item!r}: {text!r} is not a date (YYYY-MM-DD)") from None


def parse_closures(text: str) -> Closures:
    """The closed dates written in `text`; a ValueError names the item at fault."""
    text = unicodedata.normalize("NFKC", text or "")
    yearly: list[tuple[tuple[int, int], tuple[int, int]]] = []
    once: list[tuple[dt.date, dt.date]] = []
    for item in (i.strip() for i in re.split(r"[,;\n、]", text)):
        if not item:
            continue
        first, sep, last = (p.strip() for p in item.replace("〜", "..").replace("~", "..").partition(".."))
        last = last if sep else first
        if re.match(r"\d{4}-", first) or re.match(r"\d{4}-", last):
            a, b = _date(first, item), _date(last, item)
            if b < a:
                raise ValueError(f"{item!r}: ends before it starts")
            once.append((a, b))
        else:
            yearly.append((_month_day(first, item), _month_day(last, item)))
    return Closures(tuple(yearly), tuple(once))
