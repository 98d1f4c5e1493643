"""What the dispatcher's whisper says about a handed-over call, read from the shared database.

Read from the call's record and transcript (never from the process that ran the call), so any
instance answers Twilio's whisper request. Only a call that was handed over has a whisper, and
only for `MAX_AGE` after it started: a valid signature on an old or unrelated CallSid learns nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.records.models import CallEventRecord, CallRecord
from ivr.records.queries import as_utc
from ivr.telephony.whisper_twiml import WhisperFacts
from lookup.result import digits_kana
from schedules.models import Driver, ScheduleDay, Stop, Vehicle, utcnow

MAX_AGE = dt.timedelta(hours=2)


async def finished(session: AsyncSession, call_sid: str) -> bool:
    """The call's record is closed (driver, outcome): the whisper then has everything."""
    ended = (await session.execute(select(CallRecord.ended_at).where(CallRecord.call_sid == call_sid))).scalar()
    return ended is not None


async def handover_facts(session: AsyncSession, call_sid: str, *, person_request: Callable[[str], bool],
                         unintelligible: Callable[[str], bool], mask: Callable[[str], str]) -> WhisperFacts | None:
    """The whisper's facts, or None when the call is unknown, too old, or was never handed over.
    `person_request` tells a request for a person (the last request is what came before it),
    `unintelligible` a transcript of noise, `mask` hides phone numbers in the driver's words."""
    call = (await session.execute(select(CallRecord).where(CallRecord.call_sid == call_sid))).scalar()
    if call is None or utcnow() - as_utc(call.started_at) > MAX_AGE:
        return None
    rows = (await session.execute(
        select(CallEventRecord.kind, CallEventRecord.text, CallEventRecord.data)
        .where(CallEventRecord.call_id == call.id, CallEventRecord.kind.in_(("caller", "transfer")))
        .order_by(CallEventRecord.seq)
    )).all()
    transfers = [(data or {}).get("reason") or text for kind, text, data in rows if kind == "transfer"]
    if not transfers:
        return None
    said = [text for kind, text, _ in rows if kind == "caller" and text and not unintelligible(text)]
    requests = [text for text in said if not person_request(text)]
    last = requests[-1] if requests else (said[-1] if said else "")
    name_kana, vehicle_kana = await _driver(session, call.driver_id, call.schedule_date)
    return WhisperFacts(name_kana=name_kana, vehicle_kana=vehicle_kana, reason=str(transfers[0]),
                        last_asked=mask(last))


async def _driver(session: AsyncSession, driver_id: int | None, day: dt.date | None) -> tuple[str, str]:
    if driver_id is None:
        return "", ""
    driver = await session.get(Driver, driver_id)
    if driver is None:
        return "", ""
    serials: set[str] = set()
    if day is not None:
        serials = set((await session.execute(
            select(Vehicle.serial).join(Stop, Stop.vehicle_id == Vehicle.id)
            .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
            .where(Stop.driver_id == driver_id, ScheduleDay.date == day, ScheduleDay.is_current.is_(True))
        )).scalars())
    vehicle = digits_kana(next(iter(serials))) if len(serials) == 1 else ""
    return driver.name_kana, vehicle
