"""Writes one call's record: the `calls` row, its transcript events in order, and how it ended.

The record is the dispatcher's view of a call (what each side said, interruptions, tool calls
and their results, the outcome). It never holds audio or the caller's number, and logging here
names only the call id. `add` only queues: one background writer per call stores the events in
order, so nothing on the audio path or in a tool's answer waits on the disk. A failing write is
logged and dropped: a database hiccup must never silence a live call. Failures are logged by
exception type only: a database error's message carries the statement's parameters
(transcript lines, tool arguments with names and numbers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallEventRecord, CallRecord
from ivr.records.outcome import Outcome
from schedules.models import utcnow

log = logging.getLogger(__name__)
InTransaction = Callable[[AsyncSession, int], Awaitable[None]]  # (session, call id) in the finishing transaction
START_TIMEOUT_S = 3.0  # a call starts without its record rather than waiting on a stuck database


@dataclass(frozen=True)
class _Entry:
    kind: str
    text: str
    data: dict[str, Any]
    at: dt.datetime = field(default_factory=utcnow)


class CallRecorder:
    """Appends one call's events in order; one instance per call."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], call_sid: str) -> None:
        self._sm = sessionmaker
        self.call_sid = call_sid
        self.call_id: int | None = None
        self._seq = 0
        self._lock = asyncio.Lock()
        self._queue: asyncio.Queue[_Entry | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self, *, turn_mode: str = "", schedule_date: dt.date | None = None) -> None:
        async with self._lock:
            try:
                async with asyncio.timeout(START_TIMEOUT_S), self._sm.begin() as session:
                    call = (await session.execute(
                        select(CallRecord).where(CallRecord.call_sid == self.call_sid)
                    )).scalar()
                    if call is None:
                        call = CallRecord(call_sid=self.call_sid, turn_mode=turn_mode, schedule_date=schedule_date,
                                          metrics={})
                        session.add(call)
                        await session.flush()
                    else:  # the same call reconnected: continue its transcript
                        self._seq = int(
                            (await session.execute(
                                select(func.coalesce(func.max(CallEventRecord.seq), 0))
                                .where(CallEventRecord.call_id == call.id)
                            )).scalar_one()
                        )
                    self.call_id = call.id
            except Exception as exc:
                self.call_id = None
                log.error("call %s: could not open the call record: %s", self.call_sid, type(exc).__name__)

    def add(self, kind: str, text: str = "", data: dict[str, Any] | None = None) -> None:
        """Queue one event, stamped now; the call's writer stores it. Never waits."""
        if self.call_id is None:
            return
        self._queue.put_nowait(_Entry(kind, text, dict(data or {})))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(
                self._write_events(), name=f"call-record-{self.call_sid}"
            )

    async def _write_events(self) -> None:
        while (entry := await self._queue.get()) is not None:
            async with self._lock:
                self._seq += 1
                try:
                    async with self._sm.begin() as session:
                        session.add(CallEventRecord(call_id=self.call_id, seq=self._seq, kind=entry.kind,
                                                    text=entry.text, data=entry.data, at=entry.at))
                except Exception as exc:
                    log.error("call %s: could not record a %s event: %s", self.call_sid, entry.kind,
                              type(exc).__name__)

    async def flush(self) -> None:
        """Wait until every queued event is written (the writer stops; a later add restarts it)."""
        if self._writer is not None:
            self._queue.put_nowait(None)
            writer, self._writer = self._writer, None
            await writer

    async def finish(self, *, outcome: Outcome, driver_id: int | None, lookup_failures: int,
                     metrics: dict[str, Any] | None = None, also: InTransaction | None = None,
                     follow_up: str | None = None) -> None:
        """Every queued event is written first; then the outcome closes the record.

        `also` runs in the same transaction (the after-call jobs: a crash loses both or neither),
        inside a savepoint, so its failure rolls back only its own writes and the record still closes.
        `follow_up` flags the call for a dispatcher (`calls.follow_up_reason`)."""
        await self.flush()
        async with self._lock:
            if self.call_id is None:
                return
            try:
                async with self._sm.begin() as session:
                    call = await session.get(CallRecord, self.call_id)
                    if call is None:
                        return
                    call.outcome = Outcome(outcome).value
                    call.ended_at = utcnow()
                    call.driver_id = driver_id
                    call.lookup_failures = lookup_failures
                    if metrics:
                        call.metrics = {**(call.metrics or {}), **metrics}
                    if follow_up:
                        call.follow_up_reason = follow_up
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
