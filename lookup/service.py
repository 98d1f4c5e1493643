"""The lookup as the phone call and `ivr lookup` use it: normalize, query, match.

One indexed query (vehicles.serial → stops of the day's current schedule → drivers) fetches
every vehicle+driver on the spoken serial; the pure matcher decides. Nothing here guesses: an
unreadable number returns `invalid`, and a number without a name `ambiguous` (reason
`name_missing`: ask for the name), before the database is touched.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jtext.written_numbers import canonical_phone
from lookup.matcher import Candidate, invalid, match, name_missing
from lookup.name_key import name_key
from lookup.result import NO_NUMBER, LookupResult
from lookup.spoken_digits import parse_spoken_number
from schedules.models import Driver, ScheduleDay, Stop, Vehicle


async def fetch_candidates(session: AsyncSession, date: dt.date, serial: str) -> list[Candidate]:
    """Every (vehicle, driver) pair with this serial in the current schedule of `date`."""
    stmt = (
        select(
            Driver.id, Driver.name, Driver.name_kana, Driver.phone, Vehicle.id, Vehicle.serial, Vehicle.plate
        )
        .select_from(Vehicle)
        .join(Stop, Stop.vehicle_id == Vehicle.id)
        .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .join(Driver, Driver.id == Stop.driver_id)
        .where(Vehicle.serial == serial, ScheduleDay.date == date, ScheduleDay.is_current.is_(True))
        .distinct()
        .order_by(Vehicle.id, Driver.id)
    )
    rows = (await session.execute(stmt)).all()
    return [Candidate(r[0], r[1], r[2], r[3] or "", r[4], r[5], r[6] or "") for r in rows]


async def lookup_driver(
    session: AsyncSession,
    *,
    date: dt.date,
    vehicle_text: str,
    name_text: str,
    caller_phone: str | None = None,
) -> LookupResult:
    """Find the one driver who said `vehicle_text` and `name_text` on `date`.

    `vehicle_text` and `name_text` are what the caller said (transcript or tool argument, any
    script: いちにのさんよん, 12-34, 佐藤です); `caller_phone` is the caller ID in any form
    (+8190…, 090-…) and only breaks ties between drivers whose name fits. Returns a
    `LookupResult`; the model may hear only `result.to_tool_output()` (and its next step). For counting failures over a
    call (hand-off after three), use `lookup.call_lookup.CallLookup` instead of calling this directly.
    """
    parsed = parse_spoken_number(vehicle_text, "vehicle")
    spoken = name_key(name_text)
    if parsed.digits is None:
        return invalid(spoken, NO_NUMBER)
    if spoken is None:
        return name_missing(parsed.digits)
    phone = canonical_phone(caller_phone) if caller_phone else None
    candidates = await fetch_candidates(session, date, parsed.digits)
    return match(parsed.digits, spoken, candidates, caller_phone=phone, vehicle_text=vehicle_text)
