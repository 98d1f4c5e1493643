"""What a finished call leaves for after the call, decided inside the transaction that finishes it.

The call record's last write and its jobs commit together, so a crash can lose neither alone. The
work here is a few indexed reads and at most two inserts; it runs in a savepoint of the finishing
transaction (see `ivr.records.recorder.CallRecorder.finish`), so a failure here costs the after-call
work, never the call record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ivr.aftercall import queue, records
from ivr.aftercall.sms_rules import phone_digest, skip_reason, stop_read

log = logging.getLogger("ivr.aftercall")


class FinishHook(Protocol):
    """Called by the conversation's `finish` in the finishing transaction, with what only the live call
    knows (the caller ID, which no record holds)."""

    async def __call__(self, session: AsyncSession, call_id: int, *, caller_phone: str | None) -> None: ...


@dataclass(frozen=True)
class AfterCallEnqueuer:
    summaries: bool
    sms: bool

    async def __call__(self, session: AsyncSession, call_id: int, *, caller_phone: str | None) -> None:
        if self.summaries:
            await queue.enqueue(session, call_id, "summary")
        if self.sms:
            await self._sms(session, call_id, caller_phone)

    async def _sms(self, session: AsyncSession, call_id: int, caller_phone: str | None) -> None:
        facts = await records.call_facts(session, call_id)
        if facts is None or facts.driver is None:
            return  # nobody identified: no SMS is owed, nothing to record
        heard = stop_read(facts.lines)
        if heard is None:
            return  # the next stop was never read: the call ended before that
        driver = facts.driver
        reason = skip_reason(driver, caller_phone)
        stop_id = None if reason else await records.stop_heard(session, driver.id, facts.schedule_date, heard)
        if reason is None and stop_id is None:
            reason = "stop_not_found"
        if reason is not None:
            log.info("call=%d no SMS: %s", call_id, reason)
            await queue.enqueue(session, call_id, "sms", skipped=reason)
            return
        payload = {"driver_id": driver.id, "stop_id": stop_id, "phone_digest": phone_digest(driver.phone)}
        await queue.enqueue(session, call_id, "sms", payload=payload)
