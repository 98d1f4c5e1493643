"""Stand-ins for the bridge's sockets and clock, for socket-free bridge tests.

`CallBridge` takes its Twilio socket, its Realtime connector, its call control and its clock as
protocols; these fakes implement them in memory. A test plays the model by pushing server events
into the `FakeRealtimeLink`, plays Twilio by echoing marks, and moves time with the `FakeClock`:
nothing sleeps, so a timeline that takes seconds on a phone runs in milliseconds. (The stand-ins
in ivr/sim speak the real wire protocols and stay the tests of protocol conformance.)
"""

from __future__ import annotations

import asyncio
import base64
import heapq
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ivr.bridge.realtime_client import RealtimeDropped

_CLOSED = object()
_DROPPED = object()


async def settle(rounds: int = 30) -> None:
    """Let every task the bridge spawned run as far as it can (they only wait on each other here)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class FakeTimer:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """A clock that moves only when told; its timers ring in order as it passes them."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self._timers: list[tuple[float, int, FakeTimer, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    def __call__(self) -> float:
        return self.t

    def call_at(self, when: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer()
        heapq.heappush(self._timers, (when, next(self._seq), timer, callback))
        return timer

    async def advance(self, ms: float) -> None:
        """Move `ms` on, ringing each timer due on the way at its own time, and letting the tasks
        it starts run before the next one rings."""
        end = self.t + ms / 1000
        while self._timers and self._timers[0][0] <= end:
            when, _, timer, callback = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.t = max(self.t, when)
            callback()
            await settle()
        self.t = end
        await settle()


class FakeRealtimeLink:
    """One Realtime socket: what the bridge sent, and the server events a test pushes."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self._inbox: asyncio.Queue[object] = asyncio.Queue()

    async def send(self, event: dict[str, Any]) -> None:
        if self.closed:
            raise RealtimeDropped("closed")
        self.sent.append(event)

    async def recv(self) -> dict[str, Any] | None:
        item = await self._inbox.get()
        if item is _CLOSED:
            return None
        if item is _DROPPED:
            raise RealtimeDropped("dropped")
        assert isinstance(item, dict)
        return item

    async def close(self) -> None:
        self.closed = True

    async def push(self, *events: dict[str, Any]) -> None:
        """Server events, in order; returns once the bridge has handled them."""
        for event in events:
            self._inbox.put_nowait(event)
        await settle()

    async def drop(self) -> None:
        self._inbox.put_nowait(_DROPPED)
        await settle()

    def types(self) -> list[str]:
        return [str(e.get("type")) for e in self.sent]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.sent if e.get("type") == kind]


@dataclass
class FakeRealtime:
    """The connector: a new `FakeRealtimeLink` per connect; the first `refuse` connects fail; with
    `hold`, a connect waits for it to be set (a new socket that takes its time)."""

    refuse: int = 0
    links: list[FakeRealtimeLink] = field(default_factory=list)
    hold: asyncio.Event | None = None

    async def __call__(self) -> FakeRealtimeLink:
        if self.hold is not None:
            await self.hold.wait()
        if self.refuse > 0:
            self.refuse -= 1
            raise RealtimeDropped("connect refused")
        link = FakeRealtimeLink()
        self.links.append(link)
        return link


class FakeTwilio:
    """Twilio's media socket as the bridge writes to it: the frames, decoded."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed = False

    def send(self, *frames: bytes) -> None:
        if not self.closed:
            self.frames.extend(json.loads(f) for f in frames)

    async def close(self) -> None:
        self.closed = True

    def events(self) -> list[str]:
        return [str(f["event"]) for f in self.frames]

    def marks(self) -> list[str]:
        return [f["mark"]["name"] for f in self.frames if f["event"] == "mark"]

    def audio_bytes(self) -> int:
        return sum(len(base64.b64decode(f["media"]["payload"])) for f in self.frames if f["event"] == "media")


@dataclass
class FakeCallControl:
    """Twilio's REST API as the bridge uses it: the transfers and hang-ups asked for, with the time."""

    clock: FakeClock
    transfers: list[tuple[str, str, bool, float]] = field(default_factory=list)
    hangups: list[tuple[str, float]] = field(default_factory=list)

    async def transfer(self, call_sid: str, reason: str, *, announce: bool = True) -> bool:
        self.transfers.append((call_sid, reason, announce, self.clock.now()))
        return True

    async def hangup(self, call_sid: str) -> bool:
        self.hangups.append((call_sid, self.clock.now()))
        return True


def audio(ms: int) -> str:
    """`ms` of μ-law silence as a Realtime delta or Twilio payload (8 bytes per ms)."""
    return base64.b64encode(b"\xff" * (ms * 8)).decode()
