"""The one place this package reads the call records and the schedule.

Everything else in ivr/aftercall works on the plain facts returned here, so the rest of the
package knows neither the call-record tables (ivr/records/) nor the schedule's. Reads only: the after-call work never
writes a call record ("a failed SMS never touches the call").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.records.models import CallEventRecord, CallRecord
from schedules.models import Driver, ScheduleDay, Stop, Vehicle

# Transcript kinds any after-call work reads; the rest (aizuchi_ignored, system: DTMF digits) never leaves here.
LINE_KINDS = ("caller", "bot", "tool_result", "interruption", "transfer")


@dataclass(frozen=True)
class Line:
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DriverFacts:
    id: int
    name: str
    name_kana: str
    phone: str  # digits, "" when not on file
    sms_opt_out: bool


@dataclass(frozen=True)
class CallFacts:
    call_id: int
    outcome: str
    schedule_date: dt.date | None
    driver: DriverFacts | None
    vehicles: tuple[str, ...]  # the identified driver's vehicles that day, as written (plate, else number)
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class StopFacts:
    id: int
    destination_name: str
    destination_address: str
    window_start: dt.time | None
    window_end: dt.time | None
    cargo: str


async def driver_facts(session: AsyncSession, driver_id: int | None) -> DriverFacts | None:
    if driver_id is None:
        return None
    d = await session.get(Driver, driver_id)
    if d is None:
        return None
    return DriverFacts(d.id, d.name, d.name_kana, d.phone or "", bool(d.sms_opt_out))


async def _vehicles(session: AsyncSession, driver_id: int, day: dt.date | None) -> tuple[str, ...]:
    if day is None:
        return ()
    rows = await session.execute(
        select(Vehicle.plate, Vehicle.serial)
        .join(Stop, Stop.vehicle_id == Vehicle.id)
        .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .where(Stop.driver_id == driver_id, ScheduleDay.date == day, ScheduleDay.is_current.is_(True))
        .distinct()
    )
    return tuple(sorted({plate or serial for plate, serial in rows}))


async def call_facts(session: AsyncSession, call_id: int) -> CallFacts | None:
    """The call as the after-call work sees it: outcome, the identified driver, and the transcript lines."""
    call = await session.get(CallRecord, call_id)
    if call is None:
        return None
    driver = await driver_facts(session, call.driver_id)
    events = await session.execute(
        select(CallEventRecord.kind, CallEventRecord.text, CallEventRecord.data)
        .where(CallEventRecord.call_id == call_id, CallEventRecord.kind.in_(LINE_KINDS))
        .order_by(CallEventRecord.seq)
    )
    return CallFacts(
        call_id=call.id,
        outcome=call.outcome,
        schedule_date=call.schedule_date,
        driver=driver,
        vehicles=await _vehicles(session, driver.id, call.schedule_date) if driver else (),
        lines=tuple(Line(k, t or "", dict(d or {})) for k, t, d in events),
    )


async def stop_heard(session: AsyncSession, driver_id: int, day: dt.date | None, heard: dict[str, Any]) -> int | None:
    """The stop whose readings the driver was given (`get_next_stop`'s kana): the current version's
    first, then an older version's (the day was reloaded during the call)."""
    if day is None:
        return None
    rows = await session.execute(
        select(Stop.id)
        .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .where(Stop.driver_id == driver_id, ScheduleDay.date == day,
               Stop.destination_name_kana == str(heard.get("destination_name_kana", "")),
               Stop.destination_address_kana == str(heard.get("address_kana", "")),
               Stop.window_kana == str(heard.get("window_kana", "")))
        .order_by(ScheduleDay.is_current.desc(), ScheduleDay.version.desc(), Stop.stop_seq)
        .limit(1)
    )
    return rows.scalar()


async def stop_facts(session: AsyncSession, stop_id: int) -> StopFacts | None:
    s = await session.get(Stop, stop_id)
    if s is None:
        return None
    return StopFacts(s.id, s.destination_name, s.destination_address, s.window_start, s.window_end, s.cargo)
