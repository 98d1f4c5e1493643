"""What one open live view needs next: new transcript lines and the call rows that changed.

Any instance may serve the console while another carries the call, so the feed reads the shared
database rather than anything in this process. Each poll is one query on the primary key of
`call_events` (see `EventCursor`); only when something happened does it read more: the rows of
calls it had not seen or whose driver or hand-over just became known, and whether the calls it
shows as live have ended (ending a call writes no transcript line). Nothing here touches the
audio path: the recorder has already written what the feed reads.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.call_list import CallRow, live_call_ids, load_rows
from ivr.records.event_cursor import EventCursor
from ivr.records.transcript_view import RawEvent, TranscriptLine, display_lines, events_since

LOOKBACK = 50  # ids before the page's snapshot asked for again once (the client drops repeats)
CACHE = 2000  # rows of finished calls a poller keeps for views that open later


def changes_row(e: RawEvent) -> bool:
    """Lines that change what the call's row shows (who is calling, handed over)."""
    return e.kind == "transfer" or (e.kind == "system" and e.text == "identified")


@dataclass
class LiveUpdate:
    calls: list[CallRow] = field(default_factory=list)
    lines: list[TranscriptLine] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.calls or self.lines)

    def as_json(self, tz: dt.tzinfo) -> dict[str, Any]:
        return {"calls": [c.as_json(tz) for c in self.calls], "lines": [x.as_json(tz) for x in self.lines]}


class LiveView:
    """One open view's share of the news: its calls (all, or `call_id`), rows for calls it has not
    shown yet, and nothing of calls `since` keeps off it (today's page takes today's calls, not a
    record some other day's crash left open). Pure: the poller did the reading."""

    def __init__(self, *, call_id: int | None = None, known: Iterable[int] = (),
                 since: dt.datetime | None = None) -> None:
        self.call_id = call_id
        self.known: set[int] = set(known)  # calls this view has a row for
        self._since = since
        self._other_days: set[int] = set()

    def take(self, rows: list[CallRow], events: list[RawEvent], cache: Mapping[int, CallRow]) -> LiveUpdate:
        mine = [e for e in events if self.call_id is None or e.call_id == self.call_id]
        changed = {r.id: r for r in rows if self.call_id is None or r.id == self.call_id}
        for e in mine:  # a call this view has not shown, whose row the poller already had
            if e.call_id not in self.known and e.call_id not in changed and e.call_id in cache:
                changed[e.call_id] = cache[e.call_id]
        kept = [r for r in changed.values() if r.id in self.known or self._since is None or r.started_at >= self._since]
        self._other_days |= set(changed) - {r.id for r in kept}
        self.known |= {r.id for r in kept}
        lines = display_lines(e for e in mine if e.call_id in self.known and e.call_id not in self._other_days)
        return LiveUpdate(sorted(kept, key=lambda r: r.id), lines)


class LivePoller:
    """Reads the news for every view an instance serves: one query per poll on `call_events`' key,
    and rows only for calls it has not seen, whose driver or hand-over became known, or that ended."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, after: int, tz: dt.tzinfo,
                 call_id: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._sm = sessionmaker
        self._tz = tz
        self._call_id = call_id
        self.cursor = EventCursor(after, clock, lookback=LOOKBACK)
        self.rows: dict[int, CallRow] = {}  # the latest row of each call seen (`CACHE` of them at most)
        self._live: set[int] = set()

    @property
    def live(self) -> set[int]:
        """The calls in progress, as of the last poll."""
        return set(self._live)

    def watch(self, live: Iterable[int]) -> None:
        """Calls a view shows in progress: their end is noticed even if they write nothing more."""
        self._live |= set(live)

    async def poll(self) -> tuple[list[CallRow], list[RawEvent]]:
        async with self._sm() as session:
            raw = await events_since(session, self.cursor.last, also=self.cursor.holes(), call_id=self._call_id)
        fresh = set(self.cursor.seen(e.id for e in raw))
        events = [e for e in raw if e.id in fresh]
        refresh = {e.call_id for e in events if e.call_id not in self.rows or changes_row(e)}
        if self._live:
            refresh |= self._live - await live_call_ids(self._sm, self._live)
        rows = await load_rows(self._sm, ids=refresh, tz=self._tz) if refresh else []
        self._live -= refresh
        for row in rows:
            self.rows[row.id] = row
            if row.live:
                self._live.add(row.id)
        for old in sorted(i for i in self.rows if i not in self._live)[:max(0, len(self.rows) - CACHE)]:
            del self.rows[old]
        return rows, events


class LiveFeed:
    """One view with its own poller: a browser's catch-up from where its page was drawn, and tests."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, after: int, tz: dt.tzinfo,
                 call_id: int | None = None, known: set[int] | None = None, live: set[int] | None = None,
                 since: dt.datetime | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """`known`: the calls the page was drawn with; `live`: those of them in progress."""
        self.poller = LivePoller(sessionmaker, after=after, tz=tz, call_id=call_id, clock=clock)
        self.poller.watch(live or ())
        self.view = LiveView(call_id=call_id, known=set(known or ()) | set(live or ()), since=since)

    @property
    def cursor(self) -> EventCursor:
        return self.poller.cursor

    async def poll(self) -> LiveUpdate:
        rows, events = await self.poller.poll()
        return self.view.take(rows, events, self.poller.rows)
