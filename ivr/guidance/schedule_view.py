"""Reading a driver's stops from the current schedule, and the kana-only view the model gets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.guidance.speech import ordinal_kana
from schedules.models import ScheduleDay, Stop
from schedules.note_lines import note_lines
from schedules.search.base import destination_key

OPEN_STATUSES = ("planned", "arrived")


async def driver_stops(session: AsyncSession, date: dt.date, driver_id: int) -> list[Stop]:
    """That driver's stops on the current version of that day, in order."""
    stmt = (
        select(Stop)
        .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .where(ScheduleDay.date == date, ScheduleDay.is_current.is_(True), Stop.driver_id == driver_id)
        .order_by(Stop.stop_seq, Stop.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def notes_heard_at(session: AsyncSession, date: dt.date, driver_id: int, stop: Stop) -> set[str]:
    """The note lines at `stop`'s destination that this driver may hear.

    A destination gathers the notes of every stop there, and a note written for another driver's
    delivery may name people or goods that are none of this caller's business. A line is read
    out when it was written on one of this driver's own stops there, or on the stops of two or
    more drivers - the dispatcher's knowledge of the place itself (受付休止, 駐車場の場所). Lines,
    not whole notes: a multi-line note is split by the same rule as the destination document
    (`schedules.note_lines.note_lines`), so the filter and the document agree line for line.
    """
    stmt = (
        select(Stop.notes, Stop.driver_id)
        .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .where(ScheduleDay.date == date, ScheduleDay.is_current.is_(True),
               Stop.destination_name == stop.destination_name,
               Stop.destination_address == stop.destination_address)
    )
    drivers_by_line: dict[str, set[int]] = {}
    for notes, owner in (await session.execute(stmt)).all():
        for line in note_lines(notes):
            drivers_by_line.setdefault(line, set()).add(owner)
    return {line for line, owners in drivers_by_line.items() if driver_id in owners or len(owners) >= 2}


def next_open(stops: list[Stop]) -> Stop | None:
    return next((s for s in stops if s.status in OPEN_STATUSES), None)


def stop_kana(stop: Stop, position: int) -> dict[str, Any]:
    """Everything speakable about a stop, in kana only: there is no kanji or digit here to misread."""
    return {
        "order_kana": ordinal_kana(position),
        "destination_name_kana": stop.destination_name_kana,
        "address_kana": stop.destination_address_kana,
        "window_kana": stop.window_kana,
        "cargo_kana": stop.cargo_kana,
        "notes_kana": stop.notes_kana,
    }


def stop_destination_key(stop: Stop) -> str:
    return destination_key(stop.destination_name, stop.destination_address)
