"""One poller per serving process for every live view it serves.

Ten dispatchers watching cost the database what one does: a single `LivePoller` polls while any
view is open, and each view takes its share of the news (`LiveView`). Each instance polls the
shared database itself, so a view on any instance follows calls carried by any other; nothing
passes between instances. A view that joins catches up from where its page was drawn with its
own one-off `LiveFeed` read (the stream handler does that), then follows the hub; lines that
arrive twice are dropped by the browser by id. A view that stops reading (its queue fills) is
closed, and the browser reconnects and catches up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.live_feed import LivePoller, LiveUpdate, LiveView

log = logging.getLogger(__name__)
QUEUE = 64  # updates a view may fall behind by before it is dropped (and its browser reconnects)


@dataclass(eq=False)
class Subscription:
    view: LiveView
    updates: asyncio.Queue[tuple[int, LiveUpdate]] = field(default_factory=lambda: asyncio.Queue(QUEUE))
    overflowed: bool = False

    def offer(self, last_id: int, update: LiveUpdate) -> None:
        if not update or self.overflowed:
            return
        try:
            self.updates.put_nowait((last_id, update))
        except asyncio.QueueFull:
            self.overflowed = True


class LiveHub:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], tz: dt.tzinfo, *, poll_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sm = sessionmaker
        self._tz = tz
        self._poll_s = poll_s
        self._clock = clock
        self._subs: set[Subscription] = set()
        self._poller: LivePoller | None = None
        self._task: asyncio.Task[None] | None = None
        self.polls = 0

    @property
    def views(self) -> int:
        return len(self._subs)

    def subscribe(self, view: LiveView, *, start: int, live: Iterable[int] = ()) -> Subscription:
        """`start`: the event id the view has caught up to; `live`: calls it shows in progress."""
        if self._poller is None:
            self._poller = LivePoller(self._sm, after=start, tz=self._tz, clock=self._clock)
        self._poller.watch(live)
        sub = Subscription(view)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)
        if not self._subs:
            self._poller = None  # the next view starts from its own page: nothing stale is kept

    def start(self) -> None:
        """Polls in the background while any view is open (started by the first one, on its loop)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="console-live-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def tick(self) -> None:
        """One poll, shared out to every view."""
        poller = self._poller
        if poller is None:
            return
        rows, events = await poller.poll()
        self.polls += 1
        for sub in list(self._subs):
            sub.offer(poller.cursor.last, sub.view.take(rows, events, poller.rows))

    async def _run(self) -> None:
        while self._subs:
            try:
                await self.tick()
            except Exception as exc:  # a database hiccup: try again at the next poll (the type only: no data logged)
                log.warning("console live views: poll failed: %s", type(exc).__name__)
            await asyncio.sleep(self._poll_s)
