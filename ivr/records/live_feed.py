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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.call_list import CallRow, live_call_ids, load_rows
from ivr.records.event_cursor import EventCursor
from ivr.records.transcript_view import RawEvent, TranscriptLine, display_lines, events_since

LOOKBACK = 50  # ids before the page's snapshot asked for again once (the client drops repeats)


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


class LiveFeed:
    """One per open stream: the list's (every call) or one call's (`call_id`)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, after: int, tz: dt.tzinfo,
                 call_id: int | None = None, known: set[int] | None = None, live: set[int] | None = None,
                 since: dt.datetime | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """`known`: the calls the page was drawn with; `live`: those of them in progress; `since`: a
        call the page does not show is added only if it started then or later (today's page takes
        today's calls, not a record some other day's crash left open)."""
        self._sm = sessionmaker
        self._tz = tz
        self._call_id = call_id
        self._since = since
        self._other_days: set[int] = set()  # calls `since` keeps off this view
        self.cursor = EventCursor(after, clock, lookback=LOOKBACK)
        self._known: set[int] = set(known or ()) | set(live or ())  # calls this view has a row for
        self._live: set[int] = set(live or ())  # of those, the ones it shows in progress

    async def poll(self) -> LiveUpdate:
        async with self._sm() as session:
            raw = await events_since(session, self.cursor.last, also=self.cursor.holes(), call_id=self._call_id)
        fresh = set(self.cursor.seen(e.id for e in raw))
        events = [e for e in raw if e.id in fresh and e.call_id not in self._other_days]
        refresh = {e.call_id for e in events if e.call_id not in self._known or changes_row(e)}
        if self._live:
            refresh |= self._live - await live_call_ids(self._sm, self._live)
        rows = await load_rows(self._sm, ids=refresh, tz=self._tz) if refresh else []
        kept = [r for r in rows if r.id in self._known or self._since is None or r.started_at >= self._since]
        self._other_days |= {r.id for r in rows} - {r.id for r in kept}
        rows = kept
        shown = {r.id for r in rows} | self._known
        events = [e for e in events if e.call_id in shown]
        for row in rows:
            self._known.add(row.id)
            (self._live.add if row.live else self._live.discard)(row.id)
        return LiveUpdate(rows, display_lines(events))
