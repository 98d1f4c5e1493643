"""Every reading of a date with where it comes from, for the console's 読み上げ確認 page.

One item per text a driver may hear on a stop (a note gives one item per line), each marked by
its source: `file` (typed in the file's kana column), `override` (a dispatcher's fix, active and
in force on this stop), `uncertain` (rendered, with a place name Japan Post's data does not hold:
`Stop.address_kana_uncertain`), or `rule` (rendered). Uncertain items come first: they are the
ones a dispatcher must check before the first call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jtext.written_numbers import written_serial
from schedules.day_stops import current_day_stops, window_text
from schedules.models import Driver, ReadingOverride, ScheduleDay, Stop, Vehicle
from schedules.overrides.fields import OVERRIDE_KINDS, reading_in, texts_of, typed_in_file

Source = Literal["rule", "file", "override", "uncertain"]
SOURCES: tuple[Source, ...] = ("uncertain", "rule", "file", "override")
ITEM_KINDS = ("destination", "address", "window", "cargo", "notes")
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ReadingItem:
    stop_id: int
    vehicle_number: str
    plate: str
    driver_name: str
    stop_seq: int
    source_line: int
    kind: str  # destination | address | window | cargo | notes (one line of the note)
    text: str
    reading: str
    source: Source
    override_id: int | None  # the active override in force here, when source is override

    @property
    def editable(self) -> bool:
        """The window is read by rule from the times; a file's reading is changed in the file."""
        return self.kind in OVERRIDE_KINDS and self.source != "file"


@dataclass(frozen=True, slots=True)
class ActiveOverride:
    id: int
    reading: str


async def active_overrides(session: AsyncSession) -> dict[tuple[str, str], ActiveOverride]:
    """Every override in force, by (kind, text); of two on one text (a race) the later wins."""
    rows = await session.execute(
        select(ReadingOverride.id, ReadingOverride.kind, ReadingOverride.text, ReadingOverride.reading)
        .where(ReadingOverride.reverted_at.is_(None))
        .order_by(ReadingOverride.created_at, ReadingOverride.id)
    )
    return {(kind, text): ActiveOverride(id_, reading) for id_, kind, text, reading in rows}


def source_of(stop: Stop, kind: str, text: str, reading: str, active: ActiveOverride | None) -> Source:
    if kind == "window":
        return "rule"
    if typed_in_file(stop, kind):
        return "file"
    if active is not None and active.reading == reading:
        return "override"
    return "uncertain" if kind == "address" and stop.address_kana_uncertain else "rule"


def _items(stop: Stop, vehicle: Vehicle, driver: Driver,
           active: dict[tuple[str, str], ActiveOverride]) -> Iterable[ReadingItem]:
    for kind in ITEM_KINDS:
        if kind == "window":
            window = window_text(stop.window_start, stop.window_end)
            pairs = [(window, stop.window_kana)] if window else []
        else:
            pairs = [(text, reading_in(stop, kind, text)) for text in texts_of(stop, kind)]
        for text, reading in pairs:
            found = active.get((kind, text))
            source = source_of(stop, kind, text, reading, found)
            yield ReadingItem(stop.id, written_serial(vehicle.serial), vehicle.plate, driver.name, stop.stop_seq,
                              stop.source_line, kind, text, reading, source,
                              found.id if source == "override" and found is not None else None)


async def loaded_dates(sessionmaker: async_sessionmaker[AsyncSession], limit: int = 60) -> list[dt.date]:
    """Dates with a schedule loaded, newest first: the console's date picker."""
    async with sessionmaker() as session:
        rows = await session.scalars(select(ScheduleDay.date).where(ScheduleDay.is_current.is_(True))
                                     .order_by(ScheduleDay.date.desc()).limit(limit))
        return list(rows.all())


async def readings_for_date(sessionmaker: async_sessionmaker[AsyncSession], date: dt.date,
                            source: str | None = None) -> list[ReadingItem] | None:
    """Every reading of the date's current version (only `source`'s when given), uncertain first,
    then vehicle by vehicle in file order; None when nothing is loaded for the date."""
    async with sessionmaker() as session:
        found = await current_day_stops(session, date)
        if found is None:
            return None
        active = await active_overrides(session)
        items = [item for stop, vehicle, driver in found[1] for item in _items(stop, vehicle, driver, active)]
    first_line: dict[tuple[str, str], int] = {}
    for item in items:
        first_line.setdefault((item.vehicle_number, item.plate), item.source_line)
    items.sort(key=lambda i: (i.source != "uncertain", first_line[(i.vehicle_number, i.plate)], i.stop_seq,
                              ITEM_KINDS.index(i.kind)))
    return [i for i in items if source is None or i.source == source]


def overridden_kinds(stop: Stop, vehicle: Vehicle, driver: Driver,
                     active: dict[tuple[str, str], ActiveOverride]) -> list[str]:
    """The kinds of text on this stop that drivers hear as fixed in the console (for the review)."""
    return list(dict.fromkeys(i.kind for i in _items(stop, vehicle, driver, active) if i.source == "override"))


async def history_for(sessionmaker: async_sessionmaker[AsyncSession],
                      keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[ReadingOverride]]:
    """Every override ever made on these (kind, text) pairs, newest first: who, when, old → new, reverted."""
    wanted = set(keys)
    texts = sorted({text for _, text in wanted})
    out: dict[tuple[str, str], list[ReadingOverride]] = {}
    async with sessionmaker() as session:
        for start in range(0, len(texts), _CHUNK):
            rows = await session.scalars(
                select(ReadingOverride).where(ReadingOverride.text.in_(texts[start : start + _CHUNK]))
                .order_by(ReadingOverride.created_at.desc(), ReadingOverride.id.desc())
            )
            for row in rows:
                if (row.kind, row.text) in wanted:
                    out.setdefault((row.kind, row.text), []).append(row)
    for made in out.values():
        made.sort(key=lambda r: (r.created_at.replace(tzinfo=None), r.id), reverse=True)
    return out
