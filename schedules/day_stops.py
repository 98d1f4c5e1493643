"""The stops of a date's current version with their vehicle and driver: what the review and the
console's reading list both show, read the same way so the two never disagree on what is current."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.models import Driver, ScheduleDay, Stop, Vehicle


async def current_day_stops(session: AsyncSession,
                            date: dt.date) -> tuple[ScheduleDay, list[tuple[Stop, Vehicle, Driver]]] | None:
    """The current version of the date and its stops in file order; None when nothing is loaded."""
    day = await session.scalar(select(ScheduleDay).where(ScheduleDay.date == date, ScheduleDay.is_current.is_(True)))
    if day is None:
        return None
    result = await session.execute(
        select(Stop, Vehicle, Driver)
        .join(Vehicle, Stop.vehicle_id == Vehicle.id)
        .join(Driver, Stop.driver_id == Driver.id)
        .where(Stop.schedule_day_id == day.id)
        .order_by(Stop.source_line)
    )
    return day, [(stop, vehicle, driver) for stop, vehicle, driver in result]


def window_text(start: dt.time | None, end: dt.time | None) -> str:
    """The arrival window as a dispatcher writes it: 09:00–10:00, or one end alone."""
    if start is None and end is None:
        return ""
    left = f"{start:%H:%M}" if start is not None else ""
    right = f"{end:%H:%M}" if end is not None else ""
    return f"{left}–{right}"
