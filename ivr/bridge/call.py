"""One phone call: Twilio's media socket on one side, a Realtime session on the other, wired to
the parts that decide what happens in between.

Each part holds one job and says which: `connection` (the Realtime socket and its reconnects),
`events` (which part handles each server event), `audio` (audio both ways), `responses` (when
the model may speak), `turn_actions` (turn control's decisions carried out), `tool_runner`
(tools off the audio path, with fillers), `speaking` (whether the bot is speaking), `handover`
(when the call goes to a dispatcher or ends) and `handover_actions` (doing it). This class creates
them for the call and answers the few questions they ask of the call as a whole, such as whether
the bot is quiet (its voice, the tools, the responses and the playback together). Everything slow
(tools, transcript writes, transfers) runs in tasks so the audio path never waits on it; closing
never hangs on a stuck task or database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from ivr.bridge.audio import AudioPath, FrameProbe
from ivr.bridge.call_log import CallLog
from ivr.bridge.clock import Clock, LoopClock
from ivr.bridge.connection import RECONNECT_TIMEOUT_S, RealtimeConnection
from ivr.bridge.events import EventRouter
from ivr.bridge.handover import Request, urgent_within
from ivr.bridge.handover_actions import HandOver
from ivr.bridge.keypad import PAUSE_S
from ivr.bridge.keypad_input import KeypadInput
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.playback import PlaybackTracker
from ivr.bridge.realtime_client import RealtimeConnector
from ivr.bridge.responses import ResponseGate
from ivr.bridge.session_config import greeting_instructions, session_update
from ivr.bridge.speaking import BotVoice
from ivr.bridge.tool_runner import ToolRunner
from ivr.bridge.transfer import CallControl
from ivr.bridge.turn_actions import TurnActions
from ivr.bridge.twilio_socket import TwilioSocket
from ivr.conversation import (
    CallContext,
    CallerDirective,
    Conversation,
    ConversationFactory,
    EventKind,
    KeypadConversation,
    ToolOutcome,
)
from ivr.turn.machine import TurnConfig, TurnController
from ivr.turn.vad_presets import VadPreset

CLOSE_WAIT_S = 5.0  # closing gives up on a task that ignores its cancel after this
FINISH_WAIT_S = 15.0  # the conversation writes its last transcript lines and the outcome within this


@dataclass(frozen=True)
class BridgeConfig:
    """Everything a call's bridge is configured with (`ivr.web.app.bridge_config_from_settings`)."""

    preset: VadPreset
    turn: TurnConfig
    voice: str = "marin"
    transcription_model: str = "gpt-4o-transcribe"
    tool_timeout: float = 8.0
    filler_after: float = 1.2
    filler_every: float = 5.0
    max_connects: int = 2
    reconnect_timeout: float = RECONNECT_TIMEOUT_S
    action_grace: float = 20.0
    frame_probe: FrameProbe | None = None
    keypad_pause: float = PAUSE_S


@dataclass
class _Tasks:
    items: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self.items.add(task)
        task.add_done_callback(self.items.discard)
        return task

    def cancel_all(self, keep: asyncio.Task[Any] | None = None) -> None:
        for task in list(self.items):
            if task is not keep:
                task.cancel()


class CallBridge:
    def __init__(
        self,
        *,
        twilio: TwilioSocket,
        connector: RealtimeConnector,
        factory: ConversationFactory,
        config: BridgeConfig,
        call_control: CallControl,
        metrics: BridgeMetrics,
        clock: Clock | None = None,
    ) -> None:
        self._twilio = twilio
        self._factory = factory
        self._config = config
        self._metrics = metrics
        self._clock: Clock = clock or LoopClock()
        self._tasks = _Tasks()
        self._closing = False
        self._closed = asyncio.Event()
        self._started = asyncio.Event()
        self.ctx: CallContext | None = None
        self.conversation: Conversation | None = None
        self.log = CallLog("pending", self._clock.now)
        self.turn = TurnController(config.turn, self._clock.now)
        self.playback = PlaybackTracker()
        self.voice = BotVoice()
        self.realtime = RealtimeConnection(connector, max_connects=config.max_connects, log=self.log,
                                           metrics=metrics, reconnect_timeout=config.reconnect_timeout)
        self.responses = ResponseGate(self.realtime.send, held=self._answer_held)
        self.handover = HandOver(self, call_control, self.responses.state, grace_s=config.action_grace,
                                 clock=self._clock, metrics=metrics, log=self.log)
        self.audio = AudioPath(twilio, self.realtime, self.playback, self.responses.state, clock=self._clock,
                               metrics=metrics, log=self.log, probe=config.frame_probe,
                               on_first_audio=self._first_audio)
        # Each Twilio `media` payload goes straight to the audio path: 50 times a second, no detour.
        self.on_media: Callable[[str], Awaitable[None]] = self.audio.up
        self.on_media_now: Callable[[str], bool] = self.audio.up_now
        self.turn_actions = TurnActions(self, self.turn, self.playback, self.responses, clock=self._clock,
                                        metrics=metrics, log=self.log)
        self.tools: ToolRunner | None = None  # made with the conversation, at `start`
        self.keypad = KeypadInput(self._clock, self.log, pause_s=config.keypad_pause)
        self._events: EventRouter | None = None

    # ----- lifecycle -----------------------------------------------------------------------------
    def begin(self) -> None:
        """Open the Realtime session now, while Twilio is still sending `connected`/`start`."""
        self._tasks.spawn(self.realtime.run(self))

    async def on_start(self, ctx: CallContext) -> None:
        self.audio.call_started()
        self.ctx = ctx
        self.audio.stream_sid = ctx.stream_sid
        self.log.started(ctx.call_sid)
        self.conversation = await self._factory(ctx)
        cfg = self._config
        self.tools = ToolRunner(self, self.conversation, self.responses, self.voice, clock=self._clock,
                                metrics=self._metrics, log=self.log, limit_s=cfg.tool_timeout,
                                filler_after=cfg.filler_after, filler_every=cfg.filler_every)
        self.keypad.attach(self.conversation, self.tools)
        self._events = EventRouter(self, realtime=self.realtime, audio=self.audio, gate=self.responses,
                                   playback=self.playback, turn=self.turn, turn_actions=self.turn_actions,
                                   tools=self.tools, metrics=self._metrics, log=self.log)
        self._metrics.calls_total.inc()
        self.log.event("start", turn_mode=cfg.turn.mode, vad=cfg.preset.name)
        self._started.set()

    async def close(self, reason: str) -> None:
        """Idempotent: both sockets closed, tasks stopped, the conversation finished once."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        self.log.event("closing", reason=reason)
        self.turn_actions.stop()
        self.handover.stop()
        self.keypad.stop()
        if self.tools is not None:
            self.tools.stop()
        current = asyncio.current_task()
        self._tasks.cancel_all(keep=current)
        await self.realtime.close()
        try:
            await self._twilio.close()
        except Exception:
            pass
        # The cancelled tasks finish before close returns (a Realtime socket opened before `start`
        # is closed by its own task), but a task that ignores its cancel cannot hold the call open.
        pending = [t for t in self._tasks.items if t is not current]
        if pending:
            _, stuck = await asyncio.wait(pending, timeout=CLOSE_WAIT_S)
            if stuck:
                self.log.warning("tasks_not_stopped", count=len(stuck))
        if self.conversation is not None:
            try:
                async with asyncio.timeout(FINISH_WAIT_S):
                    await self.conversation.finish()
            except Exception as exc:  # a hung or failing database must not keep the call's slot
                self.log.warning("finish_failed", error=type(exc).__name__)
        self._closed.set()

    def hand_over_now(self, reason: str) -> None:
        """From outside the call (a drain out of time): the dispatcher takes it at once, Twilio says
        the transfer line, and the call closes once the REST update returns (or fails: the stream
        ends either way, so the TwiML's fallback `<Dial>` runs). Nothing if it is already leaving."""
        if not self._closing:
            self.handover.now(reason)

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    # ----- Twilio side ---------------------------------------------------------------------------
    def on_mark(self, name: str) -> None:
        if self.playback.mark_played(name):
            self.settle()

    def on_dtmf(self, digit: str) -> None:
        """A key on the caller's keypad: to keypad entry only, never to turn control (ivr/bridge/keypad_input.py)."""
        self.record("system", "dtmf", {"digit": digit})
        if not self._closing and not self.handover.acted:
            self.keypad.press(digit)

    # ----- what the parts ask of the call --------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro)

    def record(self, kind: EventKind, text: str, data: dict[str, Any] | None = None) -> None:
        if self.conversation is None:
            return
        try:
            self.conversation.record(kind, text, data)
        except Exception as exc:  # recording must never break the call
            self.log.warning("record_failed", error=type(exc).__name__)

    def _first_audio(self, after: str, ms: int) -> None:
        """Kept on the call record (the console's dashboard shows its p50 and p95); only queued."""
        self.record("system", "first_audio", {"after": after, "ms": ms})

    async def send(self, event: dict[str, Any]) -> None:
        await self.realtime.send(event)

    def current_link(self) -> object:
        return self.realtime.link

    async def wait_started(self) -> None:
        await self._started.wait()

    def session_update(self, event_id: str) -> dict[str, Any]:
        assert self.conversation is not None
        cfg = self._config
        return session_update(self.conversation, cfg.preset, voice=cfg.voice,
                              transcription_model=cfg.transcription_model, event_id=event_id)

    async def opened(self, first: bool) -> None:
        assert self.conversation is not None
        conv = self.conversation
        if not first and self.tools is not None:
            await self.tools.carry_over()  # what a tool answered the dropped session, before the resumption
        await self.responses.request(greeting_instructions(conv) if first else conv.resumed())

    async def dispatch(self, event: dict[str, Any]) -> None:
        assert self._events is not None
        await self._events.dispatch(event)

    def dispatch_now(self, event: dict[str, Any]) -> bool:
        return self._events is not None and self._events.dispatch_now(event)

    def lost(self) -> None:
        self.responses.state.reset()

    def failed(self, reason: str) -> None:
        self.handover.failed(reason)

    def clear_caller_audio(self) -> None:
        self.audio.clear()

    async def response_started(self) -> None:
        if self.voice.response_started():
            self._metrics.bot_speaking_on.inc()
            self.log.event("bot_speaking", on=True)
        await self.turn_actions.apply(self.turn.bot_started())

    def settle(self) -> None:
        """The bot falls quiet once no response is active and nothing is left to play."""
        now = self._clock.now()
        if self.voice.settle(response_active=self.responses.state.active, audio_playing=self.playback.playing,
                             now=now):
            self._metrics.bot_speaking_off.inc()
            self.log.event("bot_speaking", on=False)
            self.turn.bot_stopped()
            self.turn_actions.arm_timer()
            self.maybe_act()

    def interrupted(self) -> None:
        self.handover.caller_interrupted()
        self.settle()

    async def tool_answered(self, outcome: ToolOutcome, asked_at: float) -> None:
        if outcome.expects_yes_no:
            self.turn.expect_yes_no()
        if outcome.action != "none":
            # The model answers this output, and the prompts make that answer the transfer line.
            within = urgent_within(asked_at, self._clock.now()) if outcome.urgent else None
            self.handover.want(Request(outcome.action, outcome.reason or outcome.action, bot_announces=True,
                                       within_s=within))
        await self.responses.request()  # the model answers the tool's output
        self.maybe_act()

    def caller_said(self, text: str) -> None:
        """The conversation's rules on the caller's words, in code: a person asked for is a person given."""
        if self.conversation is None or self.handover.acted:
            return
        try:
            directive = self.conversation.caller_said(text)
        except Exception as exc:  # a broken rule must not break the call; the model still hears the caller
            self.log.warning("caller_rule_failed", error=type(exc).__name__)
            return
        if not isinstance(directive, CallerDirective):
            return
        self.log.event("caller_directive", action=directive.action, reason=directive.reason)
        self.responses.state.stop_new()  # the current response may finish; the model starts nothing new
        self.handover.want(Request(directive.action, directive.reason))
        self.maybe_act()

    async def tell_notices(self) -> None:
        """What the conversation wants the model told beside the conversation (a keypad offer on a
        noisy line, the desk's hours) goes in as a system message before the model's next answer."""
        conversation = self.conversation
        if not isinstance(conversation, KeypadConversation) or self.handover.acted:
            return
        for notice in conversation.take_notices():
            item = {"type": "message", "role": "system", "content": [{"type": "input_text", "text": notice}]}
            self.log.event("notice")
            await self.send({"type": "conversation.item.create", "item": item})

    def maybe_act(self) -> None:
        """A wanted action runs once nothing is said, queued or computed any more."""
        if self._closing or self.handover.acted:
            return
        if self.voice.speaking or self._tool_running() or self.responses.busy or self.playback.playing:
            return
        self.handover.quiet()

    def _tool_running(self) -> bool:
        return self.tools is not None and self.tools.running > 0

    def _answer_held(self) -> bool:
        """No answer while a tool runs (the model would answer without it), nor between sessions
        (it would be sent to no one and wait forever for its `response.created`): the next session's
        first response is asked for as it opens."""
        return self._tool_running() or not self.realtime.configured
