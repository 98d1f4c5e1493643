"""The serving process's keeper of call records the database could not take yet.

A call that ends while the database is away leaves its record here (`adopt`) and its slot free;
the keeper writes it when the database returns (`retry_s` apart). When the process must exit
first (drain, shutdown), `close` puts every record still held into the spool, and the next start
replays the spool (`replay`) before it takes calls; replay is idempotent (see `ivr.records.store`).
The keeper also tells live calls' recorders whether the database is away, so an outage is
logged and counted once, not once per line.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall.enqueue import FinishHook
from ivr.records.metrics import RecordMetrics
from ivr.records.pending import PendingRecord
from ivr.records.spool import Spool
from ivr.records.store import InTransaction
from ivr.records.writer import Outage, write_or_sift, write_record

log = logging.getLogger(__name__)
RETRY_S = 2.0  # how often held records and the spool are tried while the database is away
WRITE_TIMEOUT_S = 3.0  # one write attempt; a database that does not answer within it counts as away


@dataclass
class _Held:
    record: PendingRecord
    also: InTransaction | None


class RecordKeeper:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, spool_dir: Path | None = None,
                 after_call: FinishHook | None = None, metrics: RecordMetrics | None = None,
                 retry_s: float = RETRY_S) -> None:
        self.sessionmaker = sessionmaker
        self.spool = Spool(spool_dir) if spool_dir is not None else None
        self._after_call = after_call
        self.metrics = metrics or RecordMetrics()
        self._retry_s = retry_s
        self._held: list[_Held] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.database_away = False

    # ----- what recorders report -----------------------------------------------------------------
    def away(self, why: str) -> None:
        if not self.database_away:
            self.database_away = True
            self.metrics.outages.inc()
            log.error("database unreachable (%s): call records are kept in memory until it returns", why)

    def back(self) -> None:
        if self.database_away:
            self.database_away = False
            log.warning("database reachable again: call records are written")

    @property
    def held(self) -> int:
        return len(self._held)

    def adopt(self, record: PendingRecord, also: InTransaction | None) -> None:
        """A finished call's record the database would not take: kept, retried, spooled at exit."""
        if self._closed:
            self._spool_or_lose(record)
            return
        self._held.append(_Held(record, also))
        self.metrics.held.set(len(self._held))
        log.warning("call %s: record held in memory (%d events) until the database returns", record.call_sid,
                    len(record.events))
        self._ensure_retrying()

    # ----- the process's lifecycle -----------------------------------------------------------------
    async def replay(self) -> int:
        """Put the spool's records into the database; returns how many. Files the database could not
        take stay for the retry loop (a start never waits on a database that is away)."""
        if self.spool is None:
            return 0
        replayed = 0
        for claimed, record in self.spool.claimed():
            if record is None:
                continue
            try:
                await self._replay_one(claimed, record)
            except Outage as exc:
                self.spool.release(claimed)
                self.away(str(exc))
                self._ensure_retrying()
                break
            except Exception as exc:  # refused whole: line by line, as a live record is
                log.warning("spool %s refused whole (%s): writing it line by line", claimed.name,
                            type(exc).__name__)
                try:
                    await write_or_sift(self.sessionmaker, record, timeout_s=WRITE_TIMEOUT_S, also=self._hook())
                except Outage as outage:
                    self.spool.release(claimed)
                    self.away(str(outage))
                    self._ensure_retrying()
                    break
            self.spool.done(claimed)
            replayed += 1
            self.metrics.replayed.inc()
            log.info("call %s: spooled record replayed", record.call_sid)
        if replayed:
            self.back()
        return replayed

    async def close(self) -> None:
        """Exit: one last try for each held record, then the spool (or, without one, the log says so)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._write_held()
        for held in self._held:
            self._spool_or_lose(held.record)
        self._held.clear()
        self.metrics.held.set(0)

    # ----- inside ----------------------------------------------------------------------------------
    async def _replay_one(self, claimed: Path, record: PendingRecord) -> None:
        assert self.spool is not None
        spool = self.spool
        knew_base = record.base is not None

        def keep_base() -> None:
            # Learned the base in this transaction: written to the file before the commit, so a replay
            # interrupted after it writes the same seqs again, which the database ignores.
            if not knew_base:
                spool.rewrite(claimed, record)

        await write_record(self.sessionmaker, record, timeout_s=WRITE_TIMEOUT_S, also=self._hook(),
                           before_commit=keep_base)

    def _hook(self) -> InTransaction | None:
        """The after-call work of a replayed call: without the caller ID, which no disk ever holds."""
        hook = self._after_call
        if hook is None:
            return None

        async def also(session: AsyncSession, call_id: int) -> None:
            await hook(session, call_id, caller_phone=None)

        return also

    def _ensure_retrying(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(self._retry(), name="record-keeper")

    async def _retry(self) -> None:
        try:
            while self._held or (self.spool is not None and self.spool.waiting()):
                await asyncio.sleep(self._retry_s)
                if await self._write_held():
                    await self.replay()
        finally:
            self._task = None

    async def _write_held(self) -> bool:
        """True when every held record is written (the database is back)."""
        while self._held:
            held = self._held[0]
            try:
                await write_or_sift(self.sessionmaker, held.record, timeout_s=WRITE_TIMEOUT_S, also=held.also)
            except Outage as exc:
                self.away(str(exc))
                return False
            self._held.pop(0)
            self.metrics.held.set(len(self._held))
            log.info("call %s: held record written", held.record.call_sid)
        self.back()
        return True

    def _spool_or_lose(self, record: PendingRecord) -> None:
        if record.done:
            return
        if self.spool is None:
            self.metrics.lost.inc()
            log.error("call %s: record lost (%d events): the database is away and SPOOL_DIR is not set",
                      record.call_sid, len(record.events))
            return
        try:
            path = self.spool.put(record)
        except OSError as exc:
            self.metrics.lost.inc()
            log.error("call %s: record lost: the spool refused it (%s)", record.call_sid, type(exc).__name__)
            return
        self.metrics.spooled.inc()
        log.warning("call %s: record spooled to %s for the next start", record.call_sid, path.name)
