"""Call records: one `calls` row per call and its transcript as ordered `call_events`.

The record is the dispatcher's view of a call (what each side said, interruptions, tool calls
and their results, the outcome). It never holds audio or the caller's number, and logging here
names only the call id. A failing write is logged and dropped: a database hiccup must never
silence a live call. Failures are logged by exception type only: a database error's message
carries the statement's parameters (transcript lines, tool arguments with names and numbers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.models import Call, CallEvent, utcnow

log = logging.getLogger(__name__)
OUTCOMES = ("served", "transferred", "not_found", "hung_up")
InTransaction = Callable[[AsyncSession, int], Awaitable[None]]  # (session, call id) in the finishing transaction
START_TIMEOUT_S = 3.0  # a call starts without its record rather than waiting on a stuck database


class CallRecorder:
    """Appends one call's events in order; one instance per call."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], call_sid: str) -> None:
        self._sm = sessionmaker
        self.call_sid = call_sid
        self.call_id: int | None = None
        self._seq = 0
        self._lock = asyncio.Lock()
        self._queue: asyncio.Queue[tuple[str, str, dict[str, Any], dt.datetime] | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self, *, turn_mode: str = "", schedule_date: dt.date | None = None) -> None:
        async with self._lock:
            try:
                async with asyncio.timeout(START_TIMEOUT_S), self._sm.begin() as session:
                    call = (await session.execute(select(Call).where(Call.call_sid == self.call_sid))).scalar()
                    if call is None:
                        call = Call(call_sid=self.call_sid, turn_mode=turn_mode, schedule_date=schedule_date,
                                    metrics={})
                        session.add(call)
                        await session.flush()
                    else:  # the same call reconnected: continue its transcript
                        self._seq = int(
                            (await session.execute(
                                select(func.coalesce(func.max(CallEvent.seq), 0)).where(CallEvent.call_id == call.id)
                            )).scalar_one()
                        )
                    self.call_id = call.id
            except Exception as exc:
                self.call_id = None
                log.error("call %s: could not open the call record: %s", self.call_sid, type(exc).__name__)

    async def add(self, kind: str, text: str = "", data: dict[str, Any] | None = None) -> None:
        """Queue one event; a background writer stores it, so a tool answer never waits on the disk."""
        if self.call_id is None:
            return
        self._queue.put_nowait((kind, text, dict(data or {}), utcnow()))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_events(), name=f"call-record-{self.call_sid}")

    async def _write_events(self) -> None:
        while (entry := await self._queue.get()) is not None:
            kind, text, data, at = entry
            async with self._lock:
                self._seq += 1
                try:
                    async with self._sm.begin() as session:
                        session.add(CallEvent(call_id=self.call_id, seq=self._seq, kind=kind, text=text,
                                              data=data, at=at))
                except Exception as exc:
                    log.error("call %s: could not record a %s event: %s", self.call_sid, kind, type(exc).__name__)

    async def flush(self) -> None:
        """Wait until every queued event is written (the writer stops; a later add restarts it)."""
        if self._writer is not None:
            self._queue.put_nowait(None)
            writer, self._writer = self._writer, None
            await writer

    async def finish(self, *, outcome: str, driver_id: int | None, lookup_failures: int,
                     metrics: dict[str, Any] | None = None, also: InTransaction | None = None) -> None:
        """`also` runs in the same transaction (after-call jobs: a crash loses both or neither), inside a
        savepoint, so its failure rolls back only its own writes and the record still closes."""
        await self.flush()
        async with self._lock:
            if self.call_id is None:
                return
            try:
                async with self._sm.begin() as session:
                    call = await session.get(Call, self.call_id)
                    if call is None:
                        return
                    call.outcome = outcome
                    call.ended_at = utcnow()
                    call.driver_id = driver_id
                    call.lookup_failures = lookup_failures
                    if metrics:
                        call.metrics = {**(call.metrics or {}), **metrics}
                    if also is not None:
                        await _in_savepoint(session, call.id, also, self.call_sid)
            except Exception as exc:
                log.error("call %s: could not close the call record: %s", self.call_sid, type(exc).__name__)


async def _in_savepoint(session: AsyncSession, call_id: int, work: InTransaction, call_sid: str) -> None:
    try:
        async with session.begin_nested():
            await work(session, call_id)
    except Exception as exc:
        log.error("call %s: after-call work not queued: %s", call_sid, type(exc).__name__)


@dataclass(frozen=True)
class CallSummary:
    id: int
    call_sid: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str
    driver_name: str
    schedule_date: dt.date | None
    events: int


@dataclass(frozen=True)
class EventLine:
    seq: int
    at: dt.datetime
    kind: str
    text: str
    data: dict[str, Any]


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were written as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def list_calls(sessionmaker: async_sessionmaker[AsyncSession], *, date: dt.date | None = None,
                     tz: dt.tzinfo = dt.UTC, limit: int = 200) -> list[CallSummary]:
    """Calls newest first; `date` selects calls started on that local day (in `tz`)."""
    from schedules.models import Driver

    counts = (select(CallEvent.call_id, func.count().label("n")).group_by(CallEvent.call_id)).subquery()
    stmt = (
        select(Call, Driver.name, counts.c.n)
        .outerjoin(Driver, Driver.id == Call.driver_id)
        .outerjoin(counts, counts.c.call_id == Call.id)
        .order_by(Call.started_at.desc(), Call.id.desc())
    )
    if date is not None:
        start = dt.datetime.combine(date, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        stmt = stmt.where(Call.started_at >= start, Call.started_at < start + dt.timedelta(days=1))
    stmt = stmt.limit(limit)
    async with sessionmaker() as session:
        rows = (await session.execute(stmt)).all()
    return [
        CallSummary(id=c.id, call_sid=c.call_sid, started_at=as_utc(c.started_at),
                    ended_at=as_utc(c.ended_at) if c.ended_at else None, outcome=c.outcome,
                    driver_name=name or "", schedule_date=c.schedule_date, events=int(n or 0))
        for c, name, n in rows
    ]


async def get_call(sessionmaker: async_sessionmaker[AsyncSession], call_id: int
                   ) -> tuple[CallSummary, list[EventLine]] | None:
    from schedules.models import Driver

    async with sessionmaker() as session:
        call = await session.get(Call, call_id)
        if call is None:
            return None
        driver = await session.get(Driver, call.driver_id) if call.driver_id else None
        events = (await session.execute(
            select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.seq)
        )).scalars().all()
    summary = CallSummary(id=call.id, call_sid=call.call_sid, started_at=as_utc(call.started_at),
                          ended_at=as_utc(call.ended_at) if call.ended_at else None, outcome=call.outcome,
                          driver_name=driver.name if driver else "", schedule_date=call.schedule_date,
                          events=len(events))
    return summary, [EventLine(e.seq, as_utc(e.at), e.kind, e.text, dict(e.data or {})) for e in events]
