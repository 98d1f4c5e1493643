"""Time for one call: the current time and timers, injected so tests drive both by hand.

The bridge never sleeps and never reads the time itself: every deadline (turn control, the
hand-over's grace, the filler checks) is a timer on this clock, so a test with a fake clock
replays a whole timeline without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        """Run `callback` (plain, not a coroutine) on the event loop once `now()` reaches `when`."""
        ...


class LoopClock:
    """`time.monotonic` and the running event loop's timers."""

    def now(self) -> float:
        return time.monotonic()

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(max(0.0, when - time.monotonic()), callback)


class Alarm:
    """One re-armable timer on a clock: setting it again replaces the previous deadline."""

    def __init__(self, clock: Clock, callback: Callable[[], None]) -> None:
        self._clock = clock
        self._callback = callback
        self._timer: Timer | None = None

    @property
    def armed(self) -> bool:
        return self._timer is not None

    def set(self, when: float | None) -> None:
        """Ring at `when` (None: not at all)."""
        self.cancel()
        if when is not None:
            self._timer = self._clock.call_at(when, self._ring)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _ring(self) -> None:
        self._timer = None
        self._callback()
