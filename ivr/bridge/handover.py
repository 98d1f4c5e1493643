"""When the call leaves the bot: the hand-over and hang-up policy, as a pure state machine.

A tool or the caller's own words ask for a transfer to a dispatcher or a hang-up (`want`); the
bridge reports when the bot has fallen quiet (`quiet`), when the caller cut the bot off
(`caller_interrupted`) and when the Realtime session is gone for good (`failed`); the grace
deadline comes through `tick`. The policy answers with at most one `Transfer` or `HangUp` per
call (and `HangUpWithdrawn`, for the log). The rules:

- a transfer outranks a hang-up: a driver who asked for a person is never hung up on. The first
  request of a kind is kept (the first transfer's reason is the one recorded);
- a wanted action runs once the bot is quiet (nothing said, queued or being computed), or when
  the grace period runs out, whichever comes first; a request may shorten that period for itself
  (`within_s`: the database is away, so the apology is all the bot can still do);
- at that deadline the bot may never have reached its transfer line, so Twilio says it;
- a caller who cuts the goodbye off with something meaningful is not done: the hang-up is
  withdrawn;
- a session that cannot go on, or a call still open when its instance's drain runs out of time
  (`now`), is handed over at once, with Twilio's line.

No sockets and no timers: the bridge asks `next_deadline()` when to call `tick()`, and time
comes from an injected clock, so tests replay exact timelines (as for ivr/turn/machine.py).
Further reasons a call leaves the bot (the desk's opening hours) are further inputs here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Clock = Callable[[], float]
URGENT_HANDOVER_S = 2.5  # an urgent hand-over (the database is away) runs within this of the model asking for the tool


def urgent_within(asked_at: float, now: float) -> float:
    """What is left of `URGENT_HANDOVER_S`, counted from the tool's ask rather than its answer: a
    hung database takes part of it to be found out (ivr/guidance/stall.py), and the caller's wait
    is what the bound is for."""
    return max(0.0, URGENT_HANDOVER_S - (now - asked_at))


@dataclass(frozen=True)
class Request:
    """A tool's or the caller's request. `bot_announces`: the model is about to say the transfer
    line itself (a tool's answer tells it to), so Twilio need not say it again."""

    kind: Literal["transfer", "hangup"]
    reason: str
    bot_announces: bool = False
    within_s: float | None = None  # acts within this, even if the grace period is longer


@dataclass(frozen=True)
class Transfer:
    """Dial the dispatcher; `announce`: Twilio says the transfer line before the `<Dial>`."""

    reason: str
    announce: bool


@dataclass(frozen=True)
class HangUp:
    reason: str


@dataclass(frozen=True)
class HangUpWithdrawn:
    reason: str


Action = Transfer | HangUp | HangUpWithdrawn


@dataclass(frozen=True)
class _Pending:
    request: Request
    deadline: float


class HandOverPolicy:
    def __init__(self, grace_s: float, clock: Clock) -> None:
        self._grace = grace_s
        self._clock = clock
        self._pending: _Pending | None = None
        self._acted: Transfer | HangUp | None = None

    @property
    def acted(self) -> Transfer | HangUp | None:
        """The transfer or hang-up that has started; after it nothing else may act on the call."""
        return self._acted

    @property
    def pending(self) -> Request | None:
        return self._pending.request if self._pending is not None else None

    def want(self, request: Request) -> list[Action]:
        if self._acted is not None:
            return []
        current = self._pending
        grace = self._grace if request.within_s is None else min(self._grace, request.within_s)
        deadline = self._clock() + grace
        if current is not None and (current.request.kind == "transfer" or request.kind != "transfer"):
            if current.request.kind == request.kind and deadline < current.deadline:
                # the first request's reason is kept; a more pressing one only brings the deadline forward
                self._pending = _Pending(current.request, deadline)
            return []
        self._pending = _Pending(request, deadline)
        return []

    def caller_interrupted(self) -> list[Action]:
        if self._acted is None and self._pending is not None and self._pending.request.kind == "hangup":
            self._pending = None
            return [HangUpWithdrawn("caller_interrupted")]
        return []

    def quiet(self) -> list[Action]:
        """The bot says nothing, has nothing queued and no tool is running: a wanted action runs now."""
        return self._run(forced=False)

    def tick(self) -> list[Action]:
        if self._pending is not None and self._clock() >= self._pending.deadline:
            return self._run(forced=True)
        return []

    def failed(self, reason: str) -> list[Action]:
        """The bot cannot carry on (no Realtime session): the dispatcher takes over now."""
        return self.now(reason)

    def now(self, reason: str) -> list[Action]:
        """The dispatcher takes over at once, with Twilio's line, whatever is pending or being said:
        the bot cannot carry on (`failed`), or the process is going away (a drain out of time)."""
        if self._acted is not None:
            return []
        self._pending = None
        self._acted = Transfer(reason, announce=True)
        return [self._acted]

    def next_deadline(self) -> float | None:
        return self._pending.deadline if self._pending is not None and self._acted is None else None

    def _run(self, *, forced: bool) -> list[Action]:
        if self._acted is not None or self._pending is None:
            return []
        request = self._pending.request
        self._pending = None
        if request.kind == "transfer":
            self._acted = Transfer(request.reason, announce=forced or not request.bot_announces)
        else:
            self._acted = HangUp(request.reason)
        return [self._acted]
