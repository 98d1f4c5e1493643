"""Where one live view is in the stream of call events, without missing one written late.

The live view polls `call_events` by id. On PostgreSQL ids come from a sequence when a row is
inserted, but transactions commit in their own order: while call A's event 10 is still being
committed, call B's event 11 may already be visible. A cursor that only remembered "after 11"
would never show 10. So the cursor keeps each id it skipped as a hole and asks for it again
until it turns up or is old enough to be a rolled-back write that never will (a lost event is
logged by the recorder; the view just stops waiting for it). Pure: the clock is injected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

HOLE_TTL_S = 10.0  # an event write commits within this, or was rolled back
MAX_HOLES = 500  # a burst of rollbacks cannot grow the query without bound


class EventCursor:
    def __init__(self, after: int, clock: Callable[[], float], *, lookback: int = 0) -> None:
        """`lookback` ids before `after` are asked for again once (the page was drawn from a
        snapshot that an uncommitted write may have missed); the client drops repeats by id."""
        self.last = after
        self._clock = clock
        now = clock()
        self._holes: dict[int, float] = {i: now for i in range(max(1, after - lookback + 1), after + 1)}

    def holes(self) -> list[int]:
        """Ids skipped so far and still worth asking for."""
        now = self._clock()
        for i in [i for i, at in self._holes.items() if now - at > HOLE_TTL_S]:
            del self._holes[i]
        return sorted(self._holes)

    def seen(self, ids: Iterable[int]) -> list[int]:
        """Take one poll's ids; returns those not handed out before, in order."""
        fresh: list[int] = []
        now = self._clock()
        for i in sorted(set(ids)):
            if i in self._holes:
                del self._holes[i]
                fresh.append(i)
            elif i > self.last:
                self._holes.update((h, now) for h in range(self.last + 1, i))
                self.last = i
                fresh.append(i)
        while len(self._holes) > MAX_HOLES:
            del self._holes[min(self._holes)]
        return fresh
