"""One call's transcript as the console shows it: each recorded event as a display line, marked.

The console marks what a dispatcher reading a call needs to see at a glance: a 相槌 the bot let
pass (`aizuchi_ignored`), the caller cutting the bot off (`interruption`), a tool call and its
result, a hand-over. Bookkeeping lines (`system`: the wait for the bot's voice, the moment the
driver was known) are kept off the transcript: they feed the list and the dashboard. A tool's
raw output is never shown whole (it may carry a whole schedule); its status and action are.
Keypad digits are not shown either (they may be the second factor: a phone's last four digits).
Transcripts are untrusted text: this module passes them through unchanged, and the templates and
the live page's script escape them (Jinja's autoescape, `textContent`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.models import CallEventRecord
from ivr.records.queries import as_utc

DETAIL_CHARS = 300  # a tool's arguments are cut here: the line stays readable on a tablet
HIDDEN_SYSTEM = frozenset({"first_audio", "identified"})


@dataclass(frozen=True)
class RawEvent:
    """A stored `call_events` row, as read."""

    id: int
    call_id: int
    seq: int
    at: dt.datetime
    kind: str
    text: str
    data: dict[str, Any]


@dataclass(frozen=True)
class TranscriptLine:
    id: int  # the event's id: the live view's cursor
    call_id: int
    seq: int
    at: dt.datetime
    kind: str  # an `EventKind`: the template picks the label and the mark from it
    text: str
    detail: str  # a tool's arguments or status, an interruption's heard time

    def as_json(self, tz: dt.tzinfo) -> dict[str, Any]:
        return {"id": self.id, "call_id": self.call_id, "seq": self.seq,
                "at": self.at.astimezone(tz).strftime("%H:%M:%S"), "kind": self.kind, "text": self.text,
                "detail": self.detail}


def _short(value: str) -> str:
    return value if len(value) <= DETAIL_CHARS else value[:DETAIL_CHARS] + "…"


def _tool_result_detail(data: dict[str, Any]) -> str:
    output = data.get("output")
    parts: list[str] = []
    if isinstance(output, dict):
        parts += [f"{k}={output[k]}" for k in ("status", "error") if isinstance(output.get(k), str)]
    if data.get("error"):
        parts.append(f"error={data['error']}")
    action = data.get("action")
    if isinstance(action, str) and action not in ("", "none"):
        parts.append(f"action={action}")
    return " ".join(parts)


def _detail(kind: str, text: str, data: dict[str, Any]) -> str:
    if kind == "tool_call":
        args = data.get("arguments")
        return _short(args if isinstance(args, str) else json.dumps(args, ensure_ascii=False))
    if kind == "tool_result":
        return _tool_result_detail(data)
    if kind == "interruption":
        heard = data.get("heard_ms")
        return f"heard_ms={heard}" if isinstance(heard, int) else ""
    return ""


def display_line(e: RawEvent) -> TranscriptLine | None:
    """The line the console shows for one event, or None for bookkeeping it keeps off the transcript."""
    if e.kind == "system" and e.text in HIDDEN_SYSTEM:
        return None
    text = "" if e.kind == "system" and e.text == "dtmf" else e.text
    return TranscriptLine(e.id, e.call_id, e.seq, e.at, e.kind, text, _detail(e.kind, e.text, e.data))


def display_lines(events: Iterable[RawEvent]) -> list[TranscriptLine]:
    return [line for e in events if (line := display_line(e)) is not None]


def _raw(r: CallEventRecord) -> RawEvent:
    return RawEvent(r.id, r.call_id, r.seq, as_utc(r.at), r.kind, r.text or "", dict(r.data or {}))


async def call_events(sessionmaker: async_sessionmaker[AsyncSession], call_id: int, *,
                      after_id: int = 0) -> list[RawEvent]:
    """One call's events after `after_id`, in order (the call's index: `call_id`, `seq`)."""
    async with sessionmaker() as session:
        rows = (await session.execute(
            select(CallEventRecord)
            .where(CallEventRecord.call_id == call_id, CallEventRecord.id > after_id)
            .order_by(CallEventRecord.seq)
        )).scalars().all()
    return [_raw(r) for r in rows]


async def events_since(session: AsyncSession, after_id: int, *, also: Iterable[int] = (),
                       call_id: int | None = None, limit: int = 500) -> list[RawEvent]:
    """Every call's events written after `after_id`, and those of the ids in `also` (the holes an
    `EventCursor` still waits for), oldest first: a range and a few keys of the primary key, so a
    live view polling it every second costs the database next to nothing when nothing happens."""
    wanted = CallEventRecord.id > after_id
    holes = list(also)
    if holes:
        wanted = wanted | CallEventRecord.id.in_(holes)
    if call_id is not None:
        wanted = wanted & (CallEventRecord.call_id == call_id)
    rows = (await session.execute(
        select(CallEventRecord).where(wanted).order_by(CallEventRecord.id).limit(limit)
    )).scalars().all()
    return [_raw(r) for r in rows]


async def last_event_id(session: AsyncSession) -> int:
    """Where a live view starts: the page shows everything up to here, the stream what follows."""
    found = (await session.execute(
        select(CallEventRecord.id).order_by(CallEventRecord.id.desc()).limit(1)
    )).scalar()
    return int(found or 0)
