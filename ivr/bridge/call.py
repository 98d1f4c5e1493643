"""One phone call: Twilio's media stream on one side, a Realtime session on the other.

Audio is passed through as base64 μ-law without decoding: Twilio's `payload` becomes the
`input_audio_buffer.append` audio and the model's `delta` becomes Twilio's `payload` unchanged,
with byte counts from base64 length arithmetic. Each delta goes out as one Twilio `media` followed
by its mark, however long the delta is, both in one socket write. Everything slow (tools,
transcript writes, transfers) runs in tasks so the audio pump never waits on them. Turn decisions
come from `TurnController`; what the caller heard comes from `PlaybackTracker`; this class only
wires them to the sockets.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ivr.bridge.call_log import CallLog
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.playback import PlaybackTracker
from ivr.bridge.realtime_client import RealtimeConnector, RealtimeDropped, RealtimeLink
from ivr.bridge.responses import ResponseState
from ivr.bridge.session_config import (
    FILLER_INSTRUCTIONS,
    RECONNECTED_INSTRUCTIONS,
    greeting_instructions,
    response_create,
    session_update,
)
from ivr.bridge.tools import run_tool
from ivr.bridge.transfer import CallControl
from ivr.conversation import CallContext, CallerDirective, Conversation, ConversationFactory, EventKind
from ivr.telephony import media_frames
from ivr.turn.machine import Action, Discard, Interrupt, Respond, TurnConfig, TurnController
from ivr.turn.vad_presets import VadPreset

MAX_BUFFERED_FRAMES = 250  # 5 s of caller audio kept while the Realtime session opens
CLOSE_WAIT_S = 5.0  # closing never hangs on a stuck task or database: it gives up after this
UNKNOWN_TOOL = "unknown"  # the metrics label and log name of a tool the conversation does not offer
REALTIME_UNAVAILABLE = "realtime_unavailable"  # transfer reason: no Realtime socket could be opened
REALTIME_FAILED = "realtime_session_failed"  # transfer reason: a socket opened but gave no working session


class RealtimeSessionRefused(Exception):
    """The server answered the bridge's `session.update` with an `error`.

    The session then keeps the API's defaults (pcm16 audio, a model that answers and interrupts
    on its own), which a μ-law phone call cannot use, and a new socket would be refused the same."""


class TwilioSocket(Protocol):
    """Twilio's media socket as the bridge writes to it (`ivr.web.media_writer.MediaSocketWriter`)."""

    def send(self, *frames: bytes) -> None:
        """Writes ready-encoded JSON text frames in order, at once; nothing once the socket is closing."""
        ...

    async def close(self) -> Any: ...


FrameProbe = Callable[[Literal["up", "down"], Literal["in", "out"], str], None]
"""Called with each audio payload ("up" to the model, "down" to the caller) when the bridge gets it
from its socket ("in") and right after it wrote it to the other one ("out"). Only the calls
benchmark sets one, to time frames through the service; unset it costs an `is None` test."""


@dataclass(frozen=True)
class BridgeConfig:
    preset: VadPreset
    turn: TurnConfig
    voice: str = "marin"
    transcription_model: str = "gpt-4o-transcribe"
    tool_timeout: float = 8.0
    filler_after: float = 1.2
    filler_every: float = 5.0
    max_connects: int = 2
    action_grace: float = 20.0
    frame_probe: FrameProbe | None = None


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._twilio = twilio
        self._connector = connector
        self._factory = factory
        self._config = config
        self._control = call_control
        self._metrics = metrics
        self._clock = clock
        self._probe = config.frame_probe
        self.log = CallLog("pending", clock)
        self.turn = TurnController(config.turn, clock)
        self.playback = PlaybackTracker()
        self.responses = ResponseState()
        self.ctx: CallContext | None = None
        self.conversation: Conversation | None = None
        self.stream_sid = ""
        self._link: RealtimeLink | None = None
        self._configured = False
        self._connects = 0
        self._started = asyncio.Event()
        self._closing = False
        self._closed = asyncio.Event()
        self._tasks = _Tasks()
        self._buffer: list[str] = []
        self._bot_on = False
        self._silent_since: float | None = None
        self._speech_end_at: float | None = None
        self._tools_running = 0
        self._filler_task: asyncio.Task[Any] | None = None
        self._pending_action: tuple[str, str, bool] | None = None  # (action, reason, the bot says the line)
        self._acted = False  # a transfer or hang-up has started: nothing else may act on the call
        self._action_timer: asyncio.TimerHandle | None = None
        self._committed: set[str] = set()
        self._delete_on_commit: set[str] = set()
        self._turn_timer: asyncio.TimerHandle | None = None
        self._records: asyncio.Queue[tuple[EventKind, str, dict[str, Any] | None] | None] = asyncio.Queue()
        self._outcome: str | None = None
        self._writer: asyncio.Task[None] | None = None
        self._tool_names: frozenset[str] = frozenset()
        self._event_ids = itertools.count(1)
        self._session_event: str | None = None  # the client event id of this socket's session.update

    # ----- lifecycle -----------------------------------------------------------------------------
    def begin(self) -> None:
        """Open the Realtime session now, while Twilio is still sending `connected`/`start`."""
        self._tasks.spawn(self._run_realtime())

    async def on_start(self, ctx: CallContext) -> None:
        self.ctx = ctx
        self.stream_sid = ctx.stream_sid
        self.log = CallLog(ctx.call_sid, self._clock)
        self.conversation = await self._factory(ctx)
        self._tool_names = frozenset(str(t.get("name", "")) for t in self.conversation.tools())
        self._writer = asyncio.get_running_loop().create_task(self._write_records())
        self._metrics.calls_total.inc()
        self.log.event("start", turn_mode=self._config.turn.mode, vad=self._config.preset.name)
        self._started.set()

    async def close(self, reason: str, outcome: str | None = None) -> None:
        """Idempotent: both sockets closed, tasks stopped, the conversation finished once."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        if outcome is not None:
            self._outcome = outcome
        self.log.event("closing", reason=reason)
        for timer in (self._turn_timer, self._action_timer):
            if timer is not None:
                timer.cancel()
        current = asyncio.current_task()
        self._tasks.cancel_all(keep=current)
        link, self._link = self._link, None
        if link is not None:
            await link.close()
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
            await self._stop_writer()
            try:
                async with asyncio.timeout(CLOSE_WAIT_S):
                    await self.conversation.finish(self._outcome)
            except Exception as exc:  # a hung or failing database must not keep the call's slot
                self.log.warning("finish_failed", error=type(exc).__name__)
        self._closed.set()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    # ----- Twilio side ---------------------------------------------------------------------------
    async def on_media(self, payload: str) -> None:
        if self._probe is not None:
            self._probe("up", "in", payload)
        link = self._link
        if link is None or not self._configured:
            if len(self._buffer) < MAX_BUFFERED_FRAMES:
                self._buffer.append(payload)
            return
        try:
            await link.send({"type": "input_audio_buffer.append", "audio": payload})
        except RealtimeDropped:
            return  # the reader notices the drop and reconnects
        if self._probe is not None:
            self._probe("up", "out", payload)

    def on_mark(self, name: str) -> None:
        if self.playback.mark_played(name):
            self._check_bot_stopped()

    def on_dtmf(self, digit: str) -> None:
        self._record("system", "dtmf", {"digit": digit})

    # ----- Realtime side -------------------------------------------------------------------------
    async def _run_realtime(self) -> None:
        first = True
        while not self._closing:
            link = await self._open()
            if link is None:
                self._tasks.spawn(self._hand_over(REALTIME_UNAVAILABLE))
                return
            failed = False
            try:
                await self._started.wait()
                if self._closing:
                    return
                self._link = link
                await self._configure(link, first)
                first = False
                while (event := await link.recv()) is not None:
                    await self._dispatch_safely(event)
            except RealtimeDropped as exc:
                self.log.warning("realtime_dropped", error=str(exc)[:80])
            except Exception as exc:
                # Not a drop a new socket would cure (a refused session.update, an event the link
                # could not send or read): the caller goes to a dispatcher rather than silence.
                self.log.warning("realtime_failed", reason=REALTIME_FAILED, error=type(exc).__name__)
                self._link = None  # so the `finally` below closes the socket
                failed = True
            finally:
                # Until `_link` holds it, only this task knows the socket: a call that ends before
                # `start` (bad token, `stop`, idle) must not leave it open.
                if self._link is not link or self._closing:
                    await asyncio.shield(link.close())
            self._link = None
            self._configured = False
            if self._closing:
                return
            if failed:
                self._tasks.spawn(self._hand_over(REALTIME_FAILED))
                return
            await link.close()
            self.responses.reset()
            self._metrics.realtime_reconnects.inc()

    async def _dispatch_safely(self, event: dict[str, Any]) -> None:
        """One event the bridge cannot handle is logged and skipped; it never silences the call."""
        try:
            await self._dispatch(event)
        except (RealtimeDropped, RealtimeSessionRefused, asyncio.CancelledError):
            raise
        except Exception as exc:
            kind = event.get("type")
            self.log.warning("realtime_event_failed", type=kind if isinstance(kind, str) else "?",
                             error=type(exc).__name__)

    async def _open(self) -> RealtimeLink | None:
        while self._connects < self._config.max_connects:
            self._connects += 1
            try:
                return await self._connector()
            except RealtimeDropped as exc:
                self.log.warning("realtime_connect_failed", attempt=self._connects, error=str(exc)[:80])
        return None

    async def _configure(self, link: RealtimeLink, first: bool) -> None:
        assert self.conversation is not None
        cfg = self._config
        self._session_event = f"ivr_session_{next(self._event_ids)}"
        await link.send(
            session_update(self.conversation, cfg.preset, voice=cfg.voice, transcription_model=cfg.transcription_model,
                           event_id=self._session_event)
        )
        self._configured = True
        buffered, self._buffer = self._buffer, []
        for payload in buffered:
            await link.send({"type": "input_audio_buffer.append", "audio": payload})
        instructions = greeting_instructions(self.conversation) if first else RECONNECTED_INSTRUCTIONS
        await self._request_response(instructions)

    async def _send(self, event: dict[str, Any]) -> None:
        link = self._link
        if link is None:
            return
        try:
            await link.send(event)
        except RealtimeDropped:
            pass

    async def _dispatch(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "response.output_audio.delta":
            await self._on_audio_delta(event)
        elif kind == "response.created":
            await self._on_response_created(event.get("response") or {})
        elif kind == "response.output_item.added":
            item = event.get("item") or {}
            if event.get("response_id") in self.responses.fillers and item.get("id"):
                self.responses.filler_items.add(item["id"])
        elif kind == "response.output_audio.done":
            self.playback.item_complete(str(event.get("item_id", "")))
        elif kind == "response.output_audio_transcript.done":
            if event.get("response_id") not in self.responses.fillers:
                self._record("bot", str(event.get("transcript", "")))
        elif kind == "response.function_call_arguments.done":
            call_id, name = str(event.get("call_id", "")), str(event.get("name", ""))
            if self.responses.drops(event.get("response_id")):
                await self._skip_cancelled_tool(call_id, name)
            else:
                self._start_tool(call_id, name, str(event.get("arguments", "")))
        elif kind == "response.done":
            await self._on_response_done(event.get("response") or {})
        elif kind == "input_audio_buffer.speech_started":
            self._metrics.speech_started.inc()
            self.log.event("speech_started", item=event.get("item_id"))
            await self._apply(self.turn.speech_started(str(event.get("item_id", ""))))
        elif kind == "input_audio_buffer.speech_stopped":
            self._speech_end_at = self._clock()
            self.log.event("speech_stopped", item=event.get("item_id"))
            await self._apply(self.turn.speech_stopped(str(event.get("item_id", ""))))
        elif kind == "input_audio_buffer.committed":
            await self._on_committed(str(event.get("item_id", "")))
        elif kind == "conversation.item.input_audio_transcription.completed":
            text = event.get("transcript")
            text = text if isinstance(text, str) else ""
            self._record("caller", text)
            self._caller_said(text)  # first, so an answer the turn rules would start is not started
            await self._apply(self.turn.transcript(str(event.get("item_id", "")), text))
        elif kind == "error":
            err = event.get("error")
            err = err if isinstance(err, dict) else {}
            self.log.warning("realtime_error", code=err.get("code"), type=err.get("type"))
            if self._session_event is not None and err.get("event_id") == self._session_event:
                raise RealtimeSessionRefused()
            await self._on_error(err)

    async def _on_audio_delta(self, event: dict[str, Any]) -> None:
        if self.responses.drops(event.get("response_id")):
            return
        payload = event.get("delta")
        if not isinstance(payload, str) or not payload:
            return
        if self._probe is not None:
            self._probe("down", "in", payload)
        if self._speech_end_at is not None:
            self._metrics.response_latency.observe(self._clock() - self._speech_end_at)
            self.log.event("first_audio", latency_ms=int((self._clock() - self._speech_end_at) * 1000))
            self._speech_end_at = None
        item_id = str(event.get("item_id", ""))
        nbytes = media_frames.payload_bytes(payload)
        mark = self.playback.chunk_sent(item_id, nbytes, int(event.get("content_index", 0)))
        self._twilio.send(media_frames.media(self.stream_sid, payload), media_frames.mark(self.stream_sid, mark))
        if self._probe is not None:
            self._probe("down", "out", payload)

    async def _on_response_created(self, response: dict[str, Any]) -> None:
        metadata = response.get("metadata") or {}
        filler = isinstance(metadata, dict) and metadata.get("purpose") == "filler"
        response_id = str(response.get("id", ""))
        if self.responses.created(response_id, filler=filler):
            await self._send({"type": "response.cancel", "response_id": response_id})
            return
        self._silent_since = None
        if not self._bot_on:
            self._bot_on = True
            self._metrics.bot_speaking_on.inc()
            self.log.event("bot_speaking", on=True)
        await self._apply(self.turn.bot_started())

    async def _on_response_done(self, response: dict[str, Any]) -> None:
        self.responses.done(response.get("id"))
        await self._flush_response()
        self._check_bot_stopped()

    async def _on_error(self, err: dict[str, Any]) -> None:
        """A refused `response.create` frees the turn; a refused answer is asked for once more."""
        refused = self.responses.create_failed(err.get("event_id"))
        if refused is None:
            return
        instructions, filler, retried = refused
        if not filler and not retried:
            self.responses.want(instructions)
            await self._flush_response(retried=True)
        self._check_bot_stopped()
        self._maybe_act()

    async def _on_committed(self, item_id: str) -> None:
        self._committed.add(item_id)
        if item_id in self._delete_on_commit:
            self._delete_on_commit.discard(item_id)
            await self._send({"type": "conversation.item.delete", "item_id": item_id})

    async def _request_response(self, instructions: str | None = None) -> None:
        """Answer as soon as no response is active and no tool is still running."""
        self.responses.want(instructions)
        await self._flush_response()

    async def _flush_response(self, *, retried: bool = False) -> None:
        if self._tools_running or self.responses.active:
            return
        go, instructions = self.responses.take_pending()
        if go:
            await self._create_response(instructions, retried=retried)

    async def _create_response(self, instructions: str | None, *, filler: bool = False, retried: bool = False) -> None:
        event_id = f"ivr_{next(self._event_ids)}"
        self.responses.create_sent(event_id, instructions, filler=filler, retried=retried)
        await self._send(response_create(instructions, filler=filler, event_id=event_id))

    def _check_bot_stopped(self) -> None:
        if self._bot_on and not self.responses.active and not self.playback.playing:
            self._bot_on = False
            self._silent_since = self._clock()
            self._metrics.bot_speaking_off.inc()
            self.log.event("bot_speaking", on=False)
            self.turn.bot_stopped()
            self._arm_turn_timer()
            self._maybe_act()

    # ----- turn actions --------------------------------------------------------------------------
    async def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Interrupt):
                await self._interrupt(action)
            elif isinstance(action, Respond):
                self.log.event("respond", reason=action.reason)
                await self._request_response()
            elif isinstance(action, Discard):
                await self._discard(action)
        self._arm_turn_timer()

    async def _interrupt(self, action: Interrupt) -> None:
        """Clear, cancel, truncate: the heard position is frozen before Twilio echoes the cleared marks."""
        decision = self.playback.clear()
        self._twilio.send(media_frames.clear(self.stream_sid))
        response_id = self.responses.cancel()
        if self.responses.active:
            self._metrics.cancels.labels(action.reason).inc()
            self.log.event("cancel", reason=action.reason)
            await self._send({"type": "response.cancel", **({"response_id": response_id} if response_id else {})})
        heard_ms = 0
        if decision is not None and decision.item_id not in self.responses.filler_items:
            heard_ms = decision.audio_end_ms
            if decision.action == "truncate":
                await self._send(
                    {
                        "type": "conversation.item.truncate",
                        "item_id": decision.item_id,
                        "content_index": decision.content_index,
                        "audio_end_ms": decision.audio_end_ms,
                    }
                )
            elif decision.action == "delete":
                await self._send({"type": "conversation.item.delete", "item_id": decision.item_id})
        self._drop_hangup()
        self._metrics.interruptions.labels(action.reason).inc()
        self.log.event("interruption", reason=action.reason, heard_ms=heard_ms)
        self._record("interruption", action.text, {"reason": action.reason, "heard_ms": heard_ms})
        self._check_bot_stopped()

    async def _discard(self, action: Discard) -> None:
        if action.item_id in self._committed:
            await self._send({"type": "conversation.item.delete", "item_id": action.item_id})
        else:
            self._delete_on_commit.add(action.item_id)
        if action.reason == "aizuchi":
            self._metrics.aizuchi_ignored.inc()
            self._record("aizuchi_ignored", action.text, {})
        self.log.event("caller_speech_dropped", reason=action.reason)

    def _arm_turn_timer(self) -> None:
        if self._turn_timer is not None:
            self._turn_timer.cancel()
            self._turn_timer = None
        deadline = self.turn.next_deadline()
        if deadline is None or self._closing:
            return
        delay = max(0.0, deadline - self._clock())
        self._turn_timer = asyncio.get_running_loop().call_later(delay, self._on_turn_timer)

    def _on_turn_timer(self) -> None:
        self._turn_timer = None
        if not self._closing:
            self._tasks.spawn(self._apply(self.turn.tick()))

    # ----- tools ---------------------------------------------------------------------------------
    def _start_tool(self, call_id: str, name: str, arguments: str) -> None:
        self._tools_running += 1
        self._tasks.spawn(self._tool(call_id, name, arguments, self._link))
        if self._filler_task is None or self._filler_task.done():
            self._filler_task = self._tasks.spawn(self._fillers())

    async def _skip_cancelled_tool(self, call_id: str, name: str) -> None:
        """The caller cut off the response that made this call (the API still reports its arguments,
        maybe half-written): it is not run (an `end_call` must not hang up on a caller who just
        said 「ちょっと待って」), and the model is told so, with no new response asked for."""
        label = name if name in self._tool_names else UNKNOWN_TOOL
        self.log.event("tool_skipped", tool=label, reason="response_cancelled")
        self._record("tool_result", name, {"name": name, "output": None, "error": "response_cancelled"})
        output = json.dumps({"status": "not_run", "reason": "caller_interrupted"})
        await self._send({"type": "conversation.item.create",
                          "item": {"type": "function_call_output", "call_id": call_id, "output": output}})

    async def _tool(self, call_id: str, name: str, arguments: str, link: RealtimeLink | None) -> None:
        assert self.conversation is not None
        started = self._clock()
        # The name comes from the model: only names the conversation offers become labels or log fields.
        label = name if name in self._tool_names else UNKNOWN_TOOL
        try:
            outcome, error = await run_tool(self.conversation, name, arguments, self._config.tool_timeout)
            self._metrics.tool_seconds.labels(label).observe(self._clock() - started)
            if error is not None:
                self._metrics.tool_errors.labels(label).inc()
                self.log.warning("tool_error", tool=label, error=error)
                self._record("tool_result", name, {"name": name, "output": outcome.output, "error": error})
            if link is not None and link is self._link:
                output = json.dumps(outcome.output, ensure_ascii=False)
                item = {"type": "function_call_output", "call_id": call_id, "output": output}
                await self._send({"type": "conversation.item.create", "item": item})
            if outcome.expects_yes_no:
                self.turn.expect_yes_no()
            if outcome.action != "none":
                # The model answers this output, and the prompts make that answer the transfer line.
                self._want_action(outcome.action, outcome.reason or outcome.action, bot_announces=True)
            self.responses.want(None)  # the model answers the tool's output
        finally:
            self._tools_running -= 1
        await self._flush_response()
        self._maybe_act()

    async def _fillers(self) -> None:
        """While tools run, never leave the caller in silence longer than `filler_after`."""
        last_filler = -1e9
        while self._tools_running > 0 and not self._closing:
            await asyncio.sleep(0.1)
            now = self._clock()
            quiet = self._silent_since is not None and now - self._silent_since >= self._config.filler_after
            idle = not self.responses.active and not self.responses.has_pending and not self.responses.stopped
            if quiet and idle and now - last_filler >= self._config.filler_every:
                last_filler = now
                self._metrics.fillers.inc()
                self.log.event("filler")
                await self._create_response(FILLER_INSTRUCTIONS, filler=True)

    # ----- transfer and hang-up ------------------------------------------------------------------
    def _caller_said(self, text: str) -> None:
        """The conversation's rules on the caller's words, in code: a person asked for is a person given."""
        if self.conversation is None or self._acted or not text.strip():
            return
        try:
            directive = self.conversation.caller_said(text)
        except Exception as exc:  # a broken rule must not break the call; the model still hears the caller
            self.log.warning("caller_rule_failed", error=type(exc).__name__)
            return
        if not isinstance(directive, CallerDirective):
            return
        self.log.event("caller_directive", action=directive.action, reason=directive.reason)
        self.responses.stop_new()  # the current response may finish; the model starts nothing new
        self._want_action(directive.action, directive.reason)
        self._maybe_act()

    def _want_action(self, action: str, reason: str, *, bot_announces: bool = False) -> None:
        """A transfer outranks a hang-up (a driver who asked for a person is never hung up on); the
        first transfer's reason is kept. The action runs when the bot is quiet, or at the grace deadline.
        `bot_announces`: the model is about to say the transfer line, so Twilio need not say it again."""
        if self._acted:
            return
        current = self._pending_action
        if current is not None and (current[0] == "transfer" or action != "transfer"):
            return
        self._pending_action = (action, reason, bot_announces)
        if self._action_timer is not None:
            self._action_timer.cancel()
        self._action_timer = asyncio.get_running_loop().call_later(self._config.action_grace, self._action_deadline)

    def _drop_hangup(self) -> None:
        """The caller cut the goodbye off with something meaningful: they are not done yet."""
        if self._pending_action is not None and self._pending_action[0] == "hangup" and not self._acted:
            self.log.event("hangup_withdrawn", reason="caller_interrupted")
            self._pending_action = None
            if self._action_timer is not None:
                self._action_timer.cancel()
                self._action_timer = None

    def _maybe_act(self) -> None:
        """Run the pending action once nothing is said, queued or computed any more."""
        if self._pending_action is None or self._acted or self._closing:
            return
        if self._bot_on or self._tools_running or self.responses.active or self.responses.has_pending:
            return
        if self.playback.playing:
            return
        self._tasks.spawn(self._run_pending_action())

    def _action_deadline(self) -> None:
        if self._pending_action is not None and not self._closing:
            self._tasks.spawn(self._run_pending_action(forced=True))

    async def _run_pending_action(self, *, forced: bool = False) -> None:
        if self._pending_action is None or self._acted:
            return
        action, reason, bot_announces = self._pending_action
        self._pending_action = None
        if action == "transfer":
            # At the deadline the bot may never have reached its transfer line: Twilio says it.
            await self._hand_over(reason, bot_announced=bot_announces and not forced)
        elif action == "hangup":
            assert self.ctx is not None
            self._acted = True
            self.log.event("hangup", reason=reason)
            await self._control.hangup(self.ctx.call_sid)
            await self.close("hangup")

    async def _hand_over(self, reason: str, *, bot_announced: bool = False) -> None:
        """The dispatcher takes the call: the bot could not carry on, a tool or the caller asked for it.

        Twilio says the transfer line before the `<Dial>` unless the bot has just said it: a
        caller's request starts no new response and a failed session has no bot to say it."""
        if self._acted:
            return
        self._acted = True
        self._outcome = "transferred"  # Twilio may stop the stream before the REST update returns
        self.responses.stop_new()
        self._metrics.transfers.labels(reason).inc()
        self.log.event("transfer", reason=reason)
        self._record("transfer", reason, {"reason": reason})
        if self.ctx is not None:
            await self._control.transfer(self.ctx.call_sid, reason, announce=not bot_announced)
        await self.close("transferred", outcome="transferred")

    # ----- transcript records --------------------------------------------------------------------
    def _record(self, kind: EventKind, text: str, data: dict[str, Any] | None = None) -> None:
        if self.conversation is not None:
            self._records.put_nowait((kind, text, data))

    async def _write_records(self) -> None:
        while (entry := await self._records.get()) is not None:
            await self._record_one(entry)

    async def _stop_writer(self) -> None:
        """Every queued transcript line is written before `finish`."""
        self._records.put_nowait(None)
        if self._writer is not None:
            try:
                await asyncio.wait_for(self._writer, 10)
            except (TimeoutError, asyncio.CancelledError):
                self.log.warning("records_not_flushed")

    async def _record_one(self, entry: tuple[EventKind, str, dict[str, Any] | None]) -> None:
        assert self.conversation is not None
        try:
            await self.conversation.record(*entry)
        except Exception as exc:
            self.log.warning("record_failed", error=type(exc).__name__)

