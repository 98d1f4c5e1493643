"""Writes one call's record: the `calls` row, its transcript events in order, and how it ended.

The record is the dispatcher's view of a call (what each side said, interruptions, tool calls
and their results, the outcome). It never holds audio or the caller's number, and logging here
names only the call id. `add` only queues: one background writer per call stores the events in
order, so nothing on the audio path or in a tool's answer waits on the disk.

The database may go away mid-call: every line is numbered when it is recorded and kept in memory
until it is stored (retried `RETRY_S` apart), so nothing is lost and nothing is stored twice. A
call that ends before the database returns leaves what is unwritten, with its finish, to the
process's `RecordKeeper` (which spools it if the process must exit first) and frees its slot at
once. A statement the database refuses (not an outage) costs only its own line, logged by
exception type only: a database error's message carries the statement's parameters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.keeper import RETRY_S, WRITE_TIMEOUT_S, RecordKeeper
from ivr.records.outcome import Outcome
from ivr.records.pending import PendingEvent, PendingFinish, PendingRecord
from ivr.records.store import InTransaction
from ivr.records.writer import Outage, write_or_sift

__all__ = ["START_TIMEOUT_S", "CallRecorder", "InTransaction"]

log = logging.getLogger(__name__)
# A call starts without its row rather than waiting on a hung database: the greeting waits at most
# this (a live database opens the row in milliseconds; nothing is lost when it does not, the record
# is kept in memory and retried).
START_TIMEOUT_S = 1.5


class CallRecorder:
    """Appends one call's events in order; one instance per call."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], call_sid: str,
                 keeper: RecordKeeper | None = None) -> None:
        self._sm = sessionmaker
        self.call_sid = call_sid
        self.call_id: int | None = None
        self._keeper = keeper
        self._rec = PendingRecord(call_sid)
        self._count = 0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._away = False
        self._finished = False

    @property
    def unwritten(self) -> int:
        """Lines recorded and not yet stored (kept in memory while the database is away)."""
        return len(self._rec.events)

    async def start(self, *, turn_mode: str = "", schedule_date: dt.date | None = None) -> None:
        self._rec.turn_mode = turn_mode
        self._rec.schedule_date = schedule_date
        if not await self._write(START_TIMEOUT_S):
            log.error("call %s: could not open the call record: the database is away; kept in memory",
                      self.call_sid)

    def add(self, kind: str, text: str = "", data: dict[str, Any] | None = None) -> None:
        """Number one event, stamped now; the call's writer stores it. Never waits."""
        if self._finished:
            log.warning("call %s: a %s event after the record was finished is not kept", self.call_sid, kind)
            return
        self._count += 1
        self._rec.events.append(PendingEvent(self._count, kind, text, dict(data or {})))
        self._wake.set()
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_events(),
                                                                  name=f"call-record-{self.call_sid}")

    async def _write_events(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not await self._write(WRITE_TIMEOUT_S):
                await asyncio.sleep(RETRY_S)
                self._wake.set()

    async def flush(self) -> bool:
        """Try to store everything recorded so far; False when the database is away (all still kept)."""
        return await self._write(WRITE_TIMEOUT_S)

    async def finish(self, *, outcome: Outcome | str, driver_id: int | None, lookup_failures: int,
                     metrics: dict[str, Any] | None = None, also: InTransaction | None = None,
                     follow_up: str | None = None) -> None:
        """Every event is written first; then the outcome closes the record, in one transaction.

        `also` runs in the same transaction (the after-call jobs: a crash loses both or neither),
        inside a savepoint, so its failure rolls back only its own writes and the record still closes.
        With the database away, the record goes to the keeper and this returns at once.
        `follow_up` flags the call for a dispatcher (`calls.follow_up_reason`)."""
        if self._finished:
            return
        self._finished = True
        self._rec.finish = PendingFinish(Outcome(outcome).value, driver_id, lookup_failures, dict(metrics or {}),
                                        follow_up=follow_up)
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        if await self._write(WRITE_TIMEOUT_S, also=also):
            return
        if self._keeper is not None:
            self._keeper.adopt(self._rec, also)
        else:
            log.error("call %s: record lost (%d events): the database is away and nothing keeps it",
                      self.call_sid, len(self._rec.events))

    async def _write(self, timeout_s: float, *, also: InTransaction | None = None) -> bool:
        async with self._lock:
            if self.call_id is not None and self._rec.done:
                return True
            try:
                call_id = await write_or_sift(self._sm, self._rec, timeout_s=timeout_s, also=also)
            except Outage as exc:
                if not self._away:
                    self._away = True
                    log.warning("call %s: record kept in memory: the database is away (%s)", self.call_sid, exc)
                if self._keeper is not None:
                    self._keeper.away(str(exc))
                return False
            if call_id is not None:
                self.call_id = call_id
            if self._away:
                self._away = False
                log.info("call %s: record caught up with the database", self.call_sid)
            if self._keeper is not None:
                self._keeper.back()
            return True
