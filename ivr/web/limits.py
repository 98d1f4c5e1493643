"""Per-source brakes: a source that keeps failing the checks is refused for a while.

Only failures count. Twilio connects many calls from a few addresses, so limiting successful
attempts would refuse real drivers at a busy depot; and what a limiter decides never outranks a
valid signature (see `ivr.web.voice` and `ivr.web.media` for where each table is consulted).

The table is bounded, and full it forgets the source whose last failure is oldest among those not
blocked, so an attacker rotating through fresh addresses pushes out only other idle sources: a
blocked source stays blocked until its own failures age out of the window (only once the whole
table is blocked sources, which takes `max_sources` x `max_failures` failures inside one window,
does the oldest block go). Each source keeps at most `max_failures` timestamps.

Counts live in each process, not in the shared database: see README "Security" for why.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable


class FailureLimiter:
    def __init__(
        self,
        max_failures: int = 20,
        window_s: float = 60.0,
        *,
        max_sources: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_s
        self._cap = max_sources
        self._clock = clock
        self._counting: OrderedDict[str, deque[float]] = OrderedDict()  # oldest last failure first
        self._blocked: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._counting) + len(self._blocked)

    def blocked(self, source: str | None) -> bool:
        """A None source (the request came from a trusted proxy itself) is never blocked."""
        if source is None:
            return False
        times = self._blocked.get(source)
        if times is None:
            return False
        if times[0] >= self._clock() - self._window:  # the oldest of the last `max` failures is recent
            return True
        del self._blocked[source]  # aged out: what is left of its window counts on
        self._trim(times)
        if times:
            self._counting[source] = times
        return False

    def fail(self, source: str | None) -> None:
        if source is None:
            return
        now = self._clock()
        times = self._blocked.get(source)
        if times is not None:
            times.append(now)
            self._blocked.move_to_end(source)
            return
        times = self._counting.pop(source, None)
        if times is None:
            times = deque(maxlen=self._max)
            self._make_room()
        times.append(now)
        self._trim(times)
        if len(times) >= self._max:
            self._blocked[source] = times
        else:
            self._counting[source] = times

    def _trim(self, times: deque[float]) -> None:
        cutoff = self._clock() - self._window
        while times and times[0] < cutoff:
            times.popleft()

    def _make_room(self) -> None:
        while len(self) >= self._cap:
            table = self._counting if self._counting else self._blocked
            table.popitem(last=False)
