"""Shared by the end-to-end tests: a call's record, read back once the service has finished it."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallEventRecord, CallRecord


async def finished_call(sessionmaker: async_sessionmaker[AsyncSession], call_sid: str, *,
                        within: float = 10.0) -> tuple[CallRecord, list[CallEventRecord]]:
    """The call's record once its end is written, and its events in order; fails after `within` s.

    The record is finished after the caller's socket closes, so a test that has just hung up polls."""
    deadline = time.monotonic() + within
    while True:
        async with sessionmaker() as session:
            call = (await session.execute(select(CallRecord).where(
                CallRecord.call_sid == call_sid, CallRecord.ended_at.is_not(None)))).scalar()
            if call is not None:
                events = list((await session.execute(select(CallEventRecord).where(
                    CallEventRecord.call_id == call.id).order_by(CallEventRecord.seq))).scalars().all())
                return call, events
        assert time.monotonic() < deadline, f"the call was never finished within {within} s"
        await asyncio.sleep(0.02)
