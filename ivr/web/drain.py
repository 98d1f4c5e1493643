"""SIGTERM's slow stop: a rolling restart or a scale-in drops no call.

The timeline, from the signal:
- at once, `/readyz` answers 503 (`draining`), so the load balancer sends new calls elsewhere;
- the instance keeps serving: a webhook still gets its TwiML and a media socket is still taken
  (the balancer may not have noticed yet, and a call is never refused for it);
- calls in progress go on until they end, or until `DRAIN_SECONDS` have passed; after that each
  one is handed to the dispatcher with the transfer line (Twilio's REST update; should that fail,
  the socket closes and the TwiML's fallback `<Dial>` runs: never silence), and its record is
  finished as the bridge closes;
- a webhook answered shortly before or during the drain counts as a call until its media socket
  arrives (or the stream token's lifetime passes): exiting between the two would leave that caller
  on the fallback `<Dial>` for nothing;
- once no call and no such webhook is left, the drain returns and the worker exits.

`DrainPolicy` is the pure part (what to do now, on an injected clock); `drain_calls` runs it
against an app's live bridges.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge

from ivr.bridge.call import CallBridge
from ivr.web.state import STATE

_log = logging.getLogger("ivr.web")
DRAIN_REASON = "drain"  # the hand-over reason in logs, records and ivr_transfers_total{reason}
TICK_S = 0.1
HANDOVER_WAIT_S = 20.0  # Twilio's REST update (10 s timeout) and the bridge's close
VOICE_PATH = "/twilio/voice"

Step = Literal["wait", "hand_over", "done"]


@dataclass
class DrainPolicy:
    """What a draining instance does next, given its calls and the clock.

    `seconds`: how long calls may go on after the signal. `stream_wait`: how long an answered
    webhook waits for its media socket before it is forgotten (the stream token's lifetime)."""

    seconds: float
    stream_wait: float
    clock: Callable[[], float] = time.monotonic
    started_at: float | None = None
    _pending: OrderedDict[str, float] = field(default_factory=OrderedDict)

    @property
    def draining(self) -> bool:
        return self.started_at is not None

    def begin(self) -> bool:
        """Starts the drain; False if it had already started (a second SIGTERM changes nothing)."""
        if self.started_at is not None:
            return False
        self.started_at = self.clock()
        return True

    def webhook_answered(self, call_sid: str) -> None:
        """A call was told to open its media socket here: it is in progress until the socket comes."""
        self._forget_expired()
        self._pending[call_sid] = self.clock()
        self._pending.move_to_end(call_sid)

    @property
    def awaiting_streams(self) -> int:
        self._forget_expired()
        return len(self._pending)

    def stream_seen(self, call_sid: str) -> None:
        """That call's media socket came (and maybe went): it no longer holds the drain by itself."""
        self._pending.pop(call_sid, None)

    def next_step(self, open_calls: int, streaming: Iterable[str]) -> Step:
        """`open_calls`: media sockets open here; `streaming`: the CallSids among them that started."""
        if self.started_at is None:
            return "wait"
        for call_sid in streaming:
            self.stream_seen(call_sid)
        if open_calls == 0 and self.awaiting_streams == 0:
            return "done"
        if self.clock() >= self.started_at + self.seconds:
            return "hand_over"
        return "wait"

    def _forget_expired(self) -> None:
        horizon = self.clock() - self.stream_wait
        while self._pending:
            call_sid, at = next(iter(self._pending.items()))
            if at >= horizon:
                break
            del self._pending[call_sid]


class Drain:
    """One app's drain: its policy and the `ivr_draining` gauge (1 while this process drains)."""

    def __init__(self, policy: DrainPolicy, registry: CollectorRegistry) -> None:
        self.policy = policy
        # livemax: an instance whose any live worker drains reports 1; a worker gone reports nothing.
        self.gauge = Gauge("ivr_draining", "1 while this instance drains after SIGTERM", registry=registry,
                           multiprocess_mode="livemax")
        self.gauge.set(0)

    @property
    def draining(self) -> bool:
        return self.policy.draining


DRAIN: web.AppKey[Drain] = web.AppKey("ivr_drain", Drain)


class OpenCalls(set[CallBridge]):
    """The app's open media sockets (`WebState.bridges`). One that closes tells the drain policy its
    stream came, so a call that started and ended before a SIGTERM does not hold the drain."""

    def __init__(self, policy: DrainPolicy) -> None:
        super().__init__()
        self._policy = policy

    def discard(self, bridge: object) -> None:
        super().discard(bridge)
        if isinstance(bridge, CallBridge) and bridge.ctx is not None:
            self._policy.stream_seen(bridge.ctx.call_sid)


@web.middleware
async def note_answered_webhooks(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Remembers each webhook answered with 200, so a drain waits for its media socket."""
    response = await handler(request)
    if request.path == VOICE_PATH and request.method == "POST" and response.status == 200:
        call_sid = (await request.post()).get("CallSid")  # parsed by the handler already: no second read
        if isinstance(call_sid, str) and call_sid:
            request.app[DRAIN].policy.webhook_answered(call_sid)
    return response


async def hand_over(bridge: CallBridge, *, wait: float = HANDOVER_WAIT_S) -> None:
    """The one place the drain hands a call to the dispatcher (the bridge says why: `drain`).

    The bridge closes itself once Twilio's REST update returns, or fails (the media stream then
    ends and Twilio runs the TwiML's fallback `<Dial>`, so the caller still reaches a dispatcher).
    A hand-over that neither succeeds nor fails within `wait` is cut short the same way."""
    try:
        bridge.hand_over_now(DRAIN_REASON)
        async with asyncio.timeout(wait):
            await bridge.wait_closed()
    except Exception as exc:
        bridge.log.warning("drain_handover_failed", error=type(exc).__name__)
        await bridge.close(DRAIN_REASON)


async def drain_calls(app: web.Application, *, tick: float = TICK_S) -> None:
    """Runs the drain to its end: returns when no call is left on this app."""
    state, drain = app[STATE], app[DRAIN]
    policy = drain.policy
    if not policy.begin():
        return
    drain.gauge.set(1)
    _log.info("draining: %d calls in progress, %d streams expected; hand-over after %.0f s",
              len(state.bridges), policy.awaiting_streams, policy.seconds)
    handed: set[CallBridge] = set()
    handovers: set[asyncio.Task[None]] = set()
    announced = False
    while True:
        bridges = list(state.bridges)
        streaming = [b.ctx.call_sid for b in bridges if b.ctx is not None]
        step = policy.next_step(len(bridges), streaming)
        if step == "done":
            break
        if step == "hand_over":
            if not announced:
                announced = True
                _log.warning("drain: %d calls still in progress after %.0f s: handing them to the dispatcher",
                             len(bridges), policy.seconds)
            # A socket whose `start` has not come yet has no call to hand over: it is taken once it starts.
            for bridge in bridges:
                if bridge.ctx is not None and bridge not in handed and not bridge.closed:
                    handed.add(bridge)
                    task = asyncio.get_running_loop().create_task(hand_over(bridge))
                    handovers.add(task)
                    task.add_done_callback(handovers.discard)
        await asyncio.sleep(tick)
    if handovers:
        await asyncio.gather(*handovers, return_exceptions=True)
    _log.info("drained: no call left (%d handed to the dispatcher)", len(handed))
