"""The console's list of calls: one row per call with everything the 通話 page shows.

A call in progress has no `driver_id` or transfer reason on its record yet (the recorder closes
the record when the call ends), so for those the row reads them from the transcript: the
`system`/`identified` line the conversation writes when the driver is known, and the `transfer`
line the bridge writes when it hands the call over. `build_rows` is pure (tested without a
database); `load_rows` gathers its inputs in a handful of queries, for a day or for a few calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.view import FollowUp, followups, sms_line, summary_line
from ivr.records.models import CallEventRecord, CallRecord
from ivr.records.outcome import Outcome
from ivr.records.queries import as_utc
from schedules.models import Driver, ScheduleDay, Stop, Vehicle

DAY_LIMIT = 1000  # a depot's busiest day is a few hundred calls


@dataclass(frozen=True)
class CallFacts:
    """What the record itself says about a call."""

    id: int
    call_sid: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str
    driver_id: int | None
    schedule_date: dt.date | None
    metrics: dict[str, Any]
    follow_up_reason: str | None = None
    follow_up_cleared_at: dt.datetime | None = None
    follow_up_cleared_by: str | None = None


@dataclass(frozen=True)
class LiveFacts:
    """What the transcript says while the call goes on: the driver once known, the hand-over's reason."""

    driver_id: int | None = None
    transfer_reason: str = ""


@dataclass(frozen=True)
class CallRow:
    id: int
    call_sid: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration_s: int | None  # None while the call goes on
    outcome: str
    live: bool
    handed_over: bool  # transferred, or on its way to a dispatcher: highlighted
    driver_name: str
    vehicles: tuple[str, ...]
    transfer_reason: str
    follow_up_reason: str
    follow_up_cleared_at: dt.datetime | None
    follow_up_cleared_by: str
    summary: str
    sms: str

    @property
    def follow_up_open(self) -> bool:
        return bool(self.follow_up_reason) and self.follow_up_cleared_at is None

    def as_json(self, tz: dt.tzinfo) -> dict[str, Any]:
        def local(t: dt.datetime | None, fmt: str = "%H:%M:%S") -> str:
            return t.astimezone(tz).strftime(fmt) if t else ""

        return {"id": self.id, "started": local(self.started_at), "ended": local(self.ended_at),
                "duration_s": self.duration_s, "outcome": self.outcome, "live": self.live,
                "handed_over": self.handed_over, "driver": self.driver_name, "vehicles": list(self.vehicles),
                "transfer_reason": self.transfer_reason, "follow_up_reason": self.follow_up_reason,
                "follow_up_open": self.follow_up_open, "follow_up_cleared_by": self.follow_up_cleared_by,
                "follow_up_cleared_at": local(self.follow_up_cleared_at, "%m-%d %H:%M"),
                "summary": self.summary, "sms": self.sms}


def build_rows(calls: Iterable[CallFacts], live: Mapping[int, LiveFacts], drivers: Mapping[int, str],
               vehicles: Mapping[tuple[int, dt.date], tuple[str, ...]],
               after: Mapping[int, Mapping[str, FollowUp]]) -> list[CallRow]:
    rows: list[CallRow] = []
    for c in calls:
        seen = live.get(c.id, LiveFacts())
        driver_id = c.driver_id if c.driver_id is not None else seen.driver_id
        reason = str(c.metrics.get("transfer_reason") or seen.transfer_reason or "")
        in_progress = c.outcome == Outcome.IN_PROGRESS.value
        duration = int((c.ended_at - c.started_at).total_seconds()) if c.ended_at else None
        jobs = after.get(c.id, {})
        rows.append(CallRow(
            id=c.id, call_sid=c.call_sid, started_at=c.started_at, ended_at=c.ended_at, duration_s=duration,
            outcome=c.outcome, live=in_progress,
            handed_over=c.outcome == Outcome.TRANSFERRED.value or (in_progress and bool(seen.transfer_reason)),
            driver_name=drivers.get(driver_id, "") if driver_id is not None else "",
            vehicles=vehicles.get((driver_id, c.schedule_date), ()) if driver_id and c.schedule_date else (),
            transfer_reason=reason, follow_up_reason=c.follow_up_reason or "",
            follow_up_cleared_at=c.follow_up_cleared_at, follow_up_cleared_by=c.follow_up_cleared_by or "",
            summary=summary_line(jobs.get("summary")) if jobs else "", sms=sms_line(jobs.get("sms")) if jobs else "",
        ))
    return rows


def live_facts(events: Iterable[tuple[int, str, str, dict[str, Any]]]) -> dict[int, LiveFacts]:
    """From (call id, kind, text, data) in order: the last driver identified, the first hand-over reason."""
    found: dict[int, LiveFacts] = {}
    for call_id, kind, text, data in events:
        now = found.get(call_id, LiveFacts())
        if kind == "system" and text == "identified" and isinstance(data.get("driver_id"), int):
            found[call_id] = LiveFacts(data["driver_id"], now.transfer_reason)
        elif kind == "transfer" and not now.transfer_reason:
            found[call_id] = LiveFacts(now.driver_id, str(data.get("reason") or text or "transfer"))
    return found


def _facts(c: CallRecord) -> CallFacts:
    return CallFacts(c.id, c.call_sid, as_utc(c.started_at), as_utc(c.ended_at) if c.ended_at else None,
                     c.outcome, c.driver_id, c.schedule_date, dict(c.metrics or {}), c.follow_up_reason,
                     as_utc(c.follow_up_cleared_at) if c.follow_up_cleared_at else None, c.follow_up_cleared_by)


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local day starts and ends at (a day is not always 24 hours long)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return start, end


async def _vehicles(session: AsyncSession, wanted: set[tuple[int, dt.date]]) -> dict[tuple[int, dt.date],
                                                                                    tuple[str, ...]]:
    if not wanted:
        return {}
    drivers = {d for d, _ in wanted}
    days = {day for _, day in wanted}
    rows = await session.execute(
        select(Stop.driver_id, ScheduleDay.date, Vehicle.plate, Vehicle.serial)
        .join(Stop, Stop.vehicle_id == Vehicle.id)
        .join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .where(Stop.driver_id.in_(drivers), ScheduleDay.date.in_(days), ScheduleDay.is_current.is_(True))
        .distinct()
    )
    found: dict[tuple[int, dt.date], set[str]] = {}
    for driver_id, day, plate, serial in rows:
        found.setdefault((driver_id, day), set()).add(plate or serial)
    return {k: tuple(sorted(v)) for k, v in found.items() if k in wanted}


async def load_rows(sessionmaker: async_sessionmaker[AsyncSession], *, day: dt.date | None = None,
                    tz: dt.tzinfo = dt.UTC, ids: Iterable[int] | None = None) -> list[CallRow]:
    """The calls started on local `day` (newest first), or the calls `ids`."""
    stmt = select(CallRecord).order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return []
        stmt = stmt.where(CallRecord.id.in_(wanted))
    elif day is not None:
        start, end = day_bounds(day, tz)
        stmt = stmt.where(CallRecord.started_at >= start, CallRecord.started_at < end).limit(DAY_LIMIT)
    async with sessionmaker() as session:
        calls = [_facts(c) for c in (await session.execute(stmt)).scalars().all()]
        call_ids = [c.id for c in calls]
        seen: dict[int, LiveFacts] = {}
        if call_ids:
            events = await session.execute(
                select(CallEventRecord.call_id, CallEventRecord.kind, CallEventRecord.text, CallEventRecord.data)
                .where(CallEventRecord.call_id.in_(call_ids),
                       or_(CallEventRecord.kind == "transfer",
                           and_(CallEventRecord.kind == "system", CallEventRecord.text == "identified")))
                .order_by(CallEventRecord.call_id, CallEventRecord.seq)
            )
            seen = live_facts((i, k, t or "", dict(d or {})) for i, k, t, d in events)
        driver_ids = {c.driver_id for c in calls if c.driver_id} | {f.driver_id for f in seen.values() if f.driver_id}
        drivers: dict[int, str] = {}
        if driver_ids:
            drivers = dict((await session.execute(
                select(Driver.id, Driver.name).where(Driver.id.in_(driver_ids)))).all())
        wanted_vehicles = {(d, c.schedule_date) for c in calls if c.schedule_date
                           for d in (c.driver_id, seen.get(c.id, LiveFacts()).driver_id) if d}
        vehicles = await _vehicles(session, wanted_vehicles)
    after = await followups(sessionmaker, call_ids)
    return build_rows(calls, seen, drivers, vehicles, after)


async def live_call_ids(sessionmaker: async_sessionmaker[AsyncSession], ids: Iterable[int]) -> set[int]:
    """Which of `ids` are still in progress (a live view learns a call ended from here: ending
    writes no transcript line)."""
    wanted = list(ids)
    if not wanted:
        return set()
    async with sessionmaker() as session:
        rows = await session.execute(
            select(CallRecord.id).where(CallRecord.id.in_(wanted), CallRecord.outcome == Outcome.IN_PROGRESS.value))
    return {int(i) for i in rows.scalars()}
