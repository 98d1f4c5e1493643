"""Bookkeeping of the model's responses: one at a time, queued answers, cancelled ids, fillers.

The Realtime API refuses a second response while one is active, and a cancelled response keeps
streaming a few deltas after `response.cancel`; this keeps both facts in one place, without I/O.
Once the call is being handed over (`stop_new`), no answer is queued or started any more: the
current response may finish, but the model gets no further turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_NO_PENDING = object()


@dataclass
class ResponseState:
    active: bool = False
    response_id: str | None = None
    cancel_on_create: bool = False
    pending: object = _NO_PENDING  # instructions (str | None) of an answer waiting its turn
    cancelled: set[str] = field(default_factory=set)
    fillers: set[str] = field(default_factory=set)
    filler_items: set[str] = field(default_factory=set)
    stopped: bool = False
    # The `response.create` sent and not yet answered by `response.created`: (event_id, instructions,
    # filler, retried). An `error` naming that event_id means no response is coming.
    awaiting: tuple[str, str | None, bool, bool] | None = None

    @property
    def has_pending(self) -> bool:
        return self.pending is not _NO_PENDING

    def want(self, instructions: str | None = None) -> None:
        """Queue an answer (it starts when no response is active); nothing once stopped."""
        if not self.stopped:
            self.pending = instructions

    def stop_new(self) -> None:
        """No new response from now on; a queued one is dropped."""
        self.stopped = True
        self.pending = _NO_PENDING

    def take_pending(self) -> tuple[bool, str | None]:
        if self.pending is _NO_PENDING or self.stopped:
            return False, None
        instructions = self.pending
        self.pending = _NO_PENDING
        self.active = True
        return True, instructions if isinstance(instructions, str) else None

    def create_sent(self, event_id: str, instructions: str | None, *, filler: bool = False,
                    retried: bool = False) -> None:
        self.active = True
        self.awaiting = (event_id, instructions, filler, retried)

    def create_failed(self, event_id: object) -> tuple[str | None, bool, bool] | None:
        """The server refused the `response.create` sent as `event_id`: nothing is active any more.

        Without this the bridge would wait for a response that never comes and start no other:
        the bot would fall silent for the rest of the call. Returns (instructions, filler, retried)
        of the refused request, or None when the error was about something else."""
        if self.awaiting is None or event_id != self.awaiting[0]:
            return None
        _, instructions, filler, retried = self.awaiting
        self.awaiting = None
        self.active = False
        self.response_id = None
        self.cancel_on_create = False
        return instructions, filler, retried

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

    def drops(self, response_id: str | None) -> bool:
        return response_id is not None and response_id in self.cancelled

    def reset(self) -> None:
        """A new Realtime socket: nothing of the old session is active any more."""
        self.active = False
        self.response_id = None
        self.cancel_on_create = False
        self.awaiting = None
        self.cancelled.clear()
