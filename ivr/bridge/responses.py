"""Response gating: when the model may be asked to speak, one response at a time, and cancelling.

The Realtime API refuses a second response while one is active, and a cancelled response keeps
streaming a few deltas after `response.cancel`. `ResponseState` keeps both facts without I/O;
`ResponseGate` sends the `response.create`/`response.cancel` events they call for. An answer
is never started while a tool is still running (the model would answer without its result).
Once the call is being handed over (`stop_new`), no answer is queued or started any more: the
current response may finish, but the model gets no further turn.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ivr.bridge.session_config import response_create

Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class CreateSent:
    """A `response.create` sent and not yet answered by `response.created`; an `error` naming its
    `event_id` means no response is coming."""

    event_id: str
    instructions: str | None
    filler: bool = False
    retried: bool = False


@dataclass(frozen=True)
class Wanted:
    """An answer waiting its turn, with its instructions (None: the session's own)."""

    instructions: str | None


@dataclass
class ResponseState:
    active: bool = False
    response_id: str | None = None
    cancel_on_create: bool = False
    pending: Wanted | None = None
    cancelled: set[str] = field(default_factory=set)
    fillers: set[str] = field(default_factory=set)
    filler_items: set[str] = field(default_factory=set)
    stopped: bool = False
    awaiting: CreateSent | None = None

    @property
    def has_pending(self) -> bool:
        return self.pending is not None

    def want(self, instructions: str | None = None) -> None:
        """Queue an answer (it starts when no response is active); nothing once stopped."""
        if not self.stopped:
            self.pending = Wanted(instructions)

    def stop_new(self) -> None:
        """No new response from now on; a queued one is dropped."""
        self.stopped = True
        self.pending = None

    def take_pending(self) -> Wanted | None:
        if self.pending is None or self.stopped:
            return None
        wanted, self.pending = self.pending, None
        self.active = True
        return wanted

    def create_sent(self, sent: CreateSent) -> None:
        self.active = True
        self.awaiting = sent

    def create_failed(self, event_id: object) -> CreateSent | None:
        """The server refused the `response.create` sent as `event_id`: nothing is active any more.

        Without this the bridge would wait for a response that never comes and start no other:
        the bot would fall silent for the rest of the call. Returns the refused request, or None
        when the error was about something else."""
        if self.awaiting is None or event_id != self.awaiting.event_id:
            return None
        refused, self.awaiting = self.awaiting, None
        self.active = False
        self.response_id = None
        self.cancel_on_create = False
        return refused

    def created(self, response_id: str, *, filler: bool) -> bool:
        """Records the new response; True when it must be cancelled at once (cut off before it began)."""
        self.awaiting = None
        self.active = True
        self.response_id = response_id
        if filler:
            self.fillers.add(response_id)
        if self.cancel_on_create:
            self.cancel_on_create = False
            self.cancelled.add(response_id)
            return True
        return False

    def done(self, response_id: str | None) -> None:
        if response_id is None or response_id == self.response_id:
            self.active = False
            self.response_id = None

    def cancel(self) -> str | None:
        """The id to cancel now, or None (then it is cancelled as soon as it is created)."""
        if not self.active:
            return None
        if self.response_id is None:
            self.cancel_on_create = True
            return None
        self.cancelled.add(self.response_id)
        return self.response_id

    def drops(self, response_id: object) -> bool:
        return isinstance(response_id, str) and response_id in self.cancelled

    def reset(self) -> None:
        """A new Realtime socket: nothing of the old session is active any more."""
        self.active = False
        self.response_id = None
        self.cancel_on_create = False
        self.awaiting = None
        self.cancelled.clear()


class ResponseGate:
    """Sends what `ResponseState` allows. `held()` is true while a tool runs: no answer then."""

    def __init__(self, send: Send, held: Callable[[], bool]) -> None:
        self.state = ResponseState()
        self._send = send
        self._held = held
        self._ids = itertools.count(1)

    @property
    def busy(self) -> bool:
        """A response is active (asked for or streaming) or one waits its turn."""
        return self.state.active or self.state.has_pending

    async def request(self, instructions: str | None = None) -> None:
        """Answer as soon as no response is active and no tool is still running."""
        self.state.want(instructions)
        await self.flush()

    async def flush(self, *, retried: bool = False) -> None:
        if self._held() or self.state.active:
            return
        wanted = self.state.take_pending()
        if wanted is not None:
            await self.create(wanted.instructions, retried=retried)

    async def create(self, instructions: str | None, *, filler: bool = False, retried: bool = False) -> None:
        sent = CreateSent(f"ivr_{next(self._ids)}", instructions, filler, retried)
        self.state.create_sent(sent)
        await self._send(response_create(instructions, filler=filler, event_id=sent.event_id))

    async def created(self, response: dict[str, Any]) -> bool:
        """`response.created`: True when this response will be heard, False when it was cut off
        before it began (it is cancelled now)."""
        metadata = response.get("metadata") or {}
        filler = isinstance(metadata, dict) and metadata.get("purpose") == "filler"
        response_id = str(response.get("id", ""))
        if self.state.created(response_id, filler=filler):
            await self._send({"type": "response.cancel", "response_id": response_id})
            return False
        return True

    def item_added(self, response_id: object, item_id: object) -> None:
        """A filler's items are never truncated or recorded: they are not in the conversation."""
        if response_id in self.state.fillers and isinstance(item_id, str) and item_id:
            self.state.filler_items.add(item_id)

    async def done(self, response: dict[str, Any]) -> None:
        self.state.done(response.get("id"))
        await self.flush()

    async def refused(self, err: dict[str, Any]) -> bool:
        """An `error` for one of our `response.create`s frees the turn; a refused answer (not a
        filler) is asked for once more. False when the error was about something else."""
        refused = self.state.create_failed(err.get("event_id"))
        if refused is None:
            return False
        if not refused.filler and not refused.retried:
            self.state.want(refused.instructions)
            await self.flush(retried=True)
        return True

    async def cancel(self) -> bool:
        """Cut the active response off (now, or as soon as it is created); False when none was active."""
        response_id = self.state.cancel()
        if not self.state.active:
            return False
        await self._send({"type": "response.cancel", **({"response_id": response_id} if response_id else {})})
        return True
