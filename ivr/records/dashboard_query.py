"""Reads one local day's calls into the dashboard's per-call facts (`dashboard.DayCall`).

Three queries whatever the day's size: the day's calls (by `started_at`), the counts of the
transcript lines the charts count, grouped by call and kind, and the waits for the bot's voice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.call_list import day_bounds, live_facts
from ivr.records.dashboard import DayCall, DayFigures, figures
from ivr.records.models import CallEventRecord, CallRecord
from ivr.records.queries import as_utc

LOOKUP_TOOL = "lookup_driver"


async def day_figures(sessionmaker: async_sessionmaker[AsyncSession], day: dt.date, tz: dt.tzinfo) -> DayFigures:
    start, end = day_bounds(day, tz)
    day_calls = select(CallRecord.id).where(CallRecord.started_at >= start, CallRecord.started_at < end)
    ev = CallEventRecord
    async with sessionmaker() as session:
        calls = (await session.execute(
            select(CallRecord.id, CallRecord.started_at, CallRecord.outcome, CallRecord.driver_id, CallRecord.metrics)
            .where(CallRecord.started_at >= start, CallRecord.started_at < end)
        )).all()
        counted = (await session.execute(
            select(ev.call_id, ev.kind, func.count())
            .where(ev.call_id.in_(day_calls),
                   or_(ev.kind.in_(("aizuchi_ignored", "interruption")),
                       and_(ev.kind == "tool_call", ev.text == LOOKUP_TOOL)))
            .group_by(ev.call_id, ev.kind)
        )).all()
        marked = (await session.execute(
            select(ev.call_id, ev.kind, ev.text, ev.data)
            .where(ev.call_id.in_(day_calls),
                   or_(ev.kind == "transfer",
                       and_(ev.kind == "system", ev.text.in_(("identified", "first_audio")))))
            .order_by(ev.call_id, ev.seq)
        )).all()
    counts: dict[tuple[int, str], int] = {(i, k): int(n) for i, k, n in counted}
    seen = live_facts((i, k, t or "", dict(d or {})) for i, k, t, d in marked if k != "system" or t == "identified")
    waits: dict[int, list[tuple[str, int]]] = {}
    for call_id, kind, text, data in marked:
        wait = _wait(kind, text or "", dict(data or {}))
        if wait is not None:
            waits.setdefault(call_id, []).append(wait)
    day_list = []
    for call_id, started_at, outcome, driver_id, metrics in calls:
        live = seen.get(call_id)
        day_list.append(DayCall(
            started_local=as_utc(started_at).astimezone(tz), outcome=outcome,
            transfer_reason=str((metrics or {}).get("transfer_reason") or (live.transfer_reason if live else "")),
            aizuchi_ignored=counts.get((call_id, "aizuchi_ignored"), 0),
            interruptions=counts.get((call_id, "interruption"), 0),
            first_audio_ms=tuple(waits.get(call_id, ())),
            lookups=counts.get((call_id, "tool_call"), 0),
            identified=driver_id is not None or bool(live and live.driver_id),
        ))
    return figures(day, day_list)


def _wait(kind: str, text: str, data: dict[str, Any]) -> tuple[str, int] | None:
    if kind != "system" or text != "first_audio":
        return None
    after, ms = data.get("after"), data.get("ms")
    if isinstance(after, str) and isinstance(ms, int) and not isinstance(ms, bool):
        return after, ms
    return None
