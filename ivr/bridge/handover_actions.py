"""Carries out the hand-over policy's decisions: Twilio's REST API dials the dispatcher or hangs up.

`HandOverPolicy` (handover.py) decides whether and when; this does it, once: the model is given
no further turn, the conversation learns of the hand-over before the REST call (Twilio may end
the stream before the update returns), the transfer goes to the call record, the metrics and the
log, and the call is closed, whether the REST update worked or not: closing ends the media stream,
so a failed update still ends in the TwiML's fallback `<Dial>`. The policy's grace deadline is an
alarm on the call's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from ivr.bridge.call_log import CallLog
from ivr.bridge.clock import Alarm, Clock
from ivr.bridge.handover import Action, HandOverPolicy, HangUp, HangUpWithdrawn, Request, Transfer
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.responses import ResponseState
from ivr.bridge.transfer import CallControl
from ivr.conversation import CallContext, Conversation, EventKind

REST_UPDATE_TIMEOUT_S = 4.0  # Twilio's REST update answers well within this; past it, the fallback `<Dial>`


class HandOverHost(Protocol):
    """What carrying out a hand-over needs from the call (`CallBridge`)."""

    ctx: CallContext | None
    conversation: Conversation | None

    @property
    def closing(self) -> bool: ...

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...

    def record(self, kind: EventKind, text: str, data: dict[str, Any] | None = None) -> None: ...

    async def close(self, reason: str) -> None: ...


class HandOver:
    def __init__(self, host: HandOverHost, control: CallControl, responses: ResponseState, *, grace_s: float,
                 clock: Clock, metrics: BridgeMetrics, log: CallLog) -> None:
        self._host = host
        self._control = control
        self._responses = responses
        self._metrics = metrics
        self._log = log
        self.policy = HandOverPolicy(grace_s, clock.now)
        self._alarm = Alarm(clock, self._deadline)

    @property
    def acted(self) -> bool:
        """A transfer or hang-up has started: nothing else may act on the call."""
        return self.policy.acted is not None

    def want(self, request: Request) -> None:
        self._act(self.policy.want(request))

    def caller_interrupted(self) -> None:
        self._act(self.policy.caller_interrupted())

    def quiet(self) -> None:
        """The bot says nothing, has nothing queued and no tool is running."""
        self._act(self.policy.quiet())

    def failed(self, reason: str) -> None:
        self._act(self.policy.failed(reason))

    def now(self, reason: str) -> None:
        self._act(self.policy.now(reason))

    def stop(self) -> None:
        self._alarm.cancel()

    def _deadline(self) -> None:
        if not self._host.closing:
            self._act(self.policy.tick())

    def _act(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Transfer):
                self._transfer(action)
            elif isinstance(action, HangUp):
                self._log.event("hangup", reason=action.reason)
                self._host.spawn(self._hang_up())
            elif isinstance(action, HangUpWithdrawn):
                self._log.event("hangup_withdrawn", reason=action.reason)
        self._alarm.set(None if self._host.closing else self.policy.next_deadline())

    def _transfer(self, transfer: Transfer) -> None:
        """Twilio says the transfer line before the `<Dial>` unless the bot has just said it: a
        caller's request starts no new response and a failed session has no bot to say it."""
        self._responses.stop_new()
        if self._host.conversation is not None:
            self._host.conversation.handed_over(transfer.reason)
        self._metrics.transfers.labels(transfer.reason).inc()
        self._log.event("transfer", reason=transfer.reason)
        self._host.record("transfer", transfer.reason, {"reason": transfer.reason})
        self._host.spawn(self._dial(transfer))

    async def _dial(self, transfer: Transfer) -> None:
        try:
            if self._host.ctx is not None:
                call_sid = self._host.ctx.call_sid
                await self._update("transfer", self._control.transfer(call_sid, transfer.reason,
                                                                      announce=transfer.announce))
        finally:  # whatever happened above, the stream ends: the REST update's TwiML or the fallback runs
            await self._host.close("transferred")

    async def _hang_up(self) -> None:
        try:
            if self._host.ctx is not None:
                await self._update("hangup", self._control.hangup(self._host.ctx.call_sid))
        finally:
            await self._host.close("hangup")

    async def _update(self, what: str, update: Coroutine[Any, Any, bool]) -> None:
        """Twilio's REST update, given `REST_UPDATE_TIMEOUT_S`. When it fails (an error, a refused
        connection, no answer), the close that follows ends the media stream anyway, and Twilio
        runs the TwiML's next verb: the fallback `<Dial>` to the dispatchers. Never silence."""
        try:
            async with asyncio.timeout(REST_UPDATE_TIMEOUT_S):
                done = await update
        except TimeoutError:
            done = False
        if not done:
            self._metrics.rest_update_failures.labels(what).inc()
            self._log.warning("rest_update_failed", update=what, then="stream_closed_for_fallback_dial")
            self._host.record("system", "rest_update_failed", {"what": what, "then": "fallback_dial"})
