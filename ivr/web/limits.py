"""Per-source brakes: a source that keeps failing signature or token checks is refused for a while.

Only failures count. Twilio connects many calls from a few addresses, so limiting successful
attempts would refuse real drivers at a busy depot.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FailureLimiter:
    def __init__(self, max_failures: int = 20, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, source: str) -> bool:
        times = self._failures.get(source)
        if not times:
            return False
        cutoff = self._clock() - self._window
        while times and times[0] < cutoff:
            times.popleft()
        if not times:
            del self._failures[source]
            return False
        return len(times) >= self._max

    def fail(self, source: str) -> None:
        if len(self._failures) > 10_000:  # a flood of sources must not grow memory without bound
            self._failures.clear()
        self._failures.setdefault(source, deque()).append(self._clock())
