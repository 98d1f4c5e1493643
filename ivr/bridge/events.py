"""Event dispatch: which part of the bridge handles each Realtime server event.

Events are dispatched on their `type` (unknown types are ignored, as the API adds new ones) and
their fields are read defensively: the model's side is not trusted to send well-formed events.
One event the bridge cannot handle is logged and skipped; it never silences the call. Only a
dropped socket, or the server refusing the session itself, ends the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ivr.bridge.audio import AudioPath
from ivr.bridge.call_log import CallLog
from ivr.bridge.connection import RealtimeConnection, RealtimeSessionRefused
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.playback import PlaybackTracker
from ivr.bridge.realtime_client import RealtimeDropped
from ivr.bridge.responses import ResponseGate
from ivr.bridge.tool_runner import ToolRunner
from ivr.bridge.turn_actions import TurnActions
from ivr.conversation import EventKind
from ivr.turn.machine import TurnController

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class EventHost(Protocol):
    """What dispatching needs from the call (`CallBridge`)."""

    def record(self, kind: EventKind, text: str, data: dict[str, Any] | None = None) -> None: ...

    async def response_started(self) -> None:
        """A response the caller will hear began."""
        ...

    def settle(self) -> None:
        """Something stopped (a response, a refused request): the bot may have fallen quiet."""
        ...

    def maybe_act(self) -> None:
        """A wanted hand-over or hang-up runs if the bot is quiet now."""
        ...

    def caller_said(self, text: str) -> None:
        """The conversation's rules on the caller's final words (a person asked for is a person given)."""
        ...

    async def tell_notices(self) -> None:
        """Anything the conversation wants the model told before it answers (a keypad offer)."""
        ...


class EventRouter:
    def __init__(self, host: EventHost, *, realtime: RealtimeConnection, audio: AudioPath, gate: ResponseGate,
                 playback: PlaybackTracker, turn: TurnController, turn_actions: TurnActions, tools: ToolRunner,
                 metrics: BridgeMetrics, log: CallLog) -> None:
        self._host = host
        self._realtime = realtime
        self._audio = audio
        self._gate = gate
        self._playback = playback
        self._turn = turn
        self._turn_actions = turn_actions
        self._tools = tools
        self._metrics = metrics
        self._log = log
        self._handlers: dict[str, Handler] = {
            "response.output_audio.delta": self._audio_delta,
            "response.created": self._response_created,
            "response.output_item.added": self._item_added,
            "response.output_audio.done": self._audio_done,
            "response.output_audio_transcript.done": self._bot_transcript,
            "response.function_call_arguments.done": self._function_call,
            "response.done": self._response_done,
            "input_audio_buffer.speech_started": self._speech_started,
            "input_audio_buffer.speech_stopped": self._speech_stopped,
            "input_audio_buffer.committed": self._committed,
            "conversation.item.input_audio_transcription.completed": self._caller_transcript,
            "error": self._error,
        }

    async def dispatch(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            return
        try:
            await handler(event)
        except (RealtimeDropped, RealtimeSessionRefused, asyncio.CancelledError):
            raise
        except Exception as exc:
            self._log.warning("realtime_event_failed", type=kind, error=type(exc).__name__)

    def dispatch_now(self, event: dict[str, Any]) -> bool:
        """The model's audio, handled as it is read (True); every other event waits for `dispatch`."""
        if event.get("type") != "response.output_audio.delta":
            return False
        try:
            self._audio.down(event)
        except Exception as exc:
            self._log.warning("realtime_event_failed", type="response.output_audio.delta", error=type(exc).__name__)
        return True

    async def _audio_delta(self, event: dict[str, Any]) -> None:
        self._audio.down(event)

    async def _response_created(self, event: dict[str, Any]) -> None:
        if await self._gate.created(event.get("response") or {}):
            await self._host.response_started()

    async def _item_added(self, event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        self._gate.item_added(event.get("response_id"), item.get("id") if isinstance(item, dict) else None)

    async def _audio_done(self, event: dict[str, Any]) -> None:
        item_id = str(event.get("item_id", ""))
        self._audio.audio_done(item_id)
        self._playback.item_complete(item_id)

    async def _bot_transcript(self, event: dict[str, Any]) -> None:
        if event.get("response_id") not in self._gate.state.fillers:
            self._host.record("bot", str(event.get("transcript", "")))

    async def _function_call(self, event: dict[str, Any]) -> None:
        call_id, name = str(event.get("call_id", "")), str(event.get("name", ""))
        if self._gate.state.drops(event.get("response_id")):
            await self._tools.skip(call_id, name)
        else:
            self._tools.start(call_id, name, str(event.get("arguments", "")))

    async def _response_done(self, event: dict[str, Any]) -> None:
        await self._gate.done(event.get("response") or {})
        self._host.settle()

    async def _speech_started(self, event: dict[str, Any]) -> None:
        self._metrics.speech_started.inc()
        self._log.event("speech_started", item=event.get("item_id"))
        await self._turn_actions.apply(self._turn.speech_started(str(event.get("item_id", ""))))

    async def _speech_stopped(self, event: dict[str, Any]) -> None:
        self._audio.caller_stopped_speaking()
        self._log.event("speech_stopped", item=event.get("item_id"))
        await self._turn_actions.apply(self._turn.speech_stopped(str(event.get("item_id", ""))))

    async def _committed(self, event: dict[str, Any]) -> None:
        await self._turn_actions.committed(str(event.get("item_id", "")))

    async def _caller_transcript(self, event: dict[str, Any]) -> None:
        text = event.get("transcript")
        text = text if isinstance(text, str) else ""
        self._host.record("caller", text)
        self._host.caller_said(text)  # first, so an answer the turn rules would start is not started
        await self._host.tell_notices()  # before any answer the turn rules start
        await self._turn_actions.apply(self._turn.transcript(str(event.get("item_id", "")), text))

    async def _error(self, event: dict[str, Any]) -> None:
        err = event.get("error")
        err = err if isinstance(err, dict) else {}
        self._log.warning("realtime_error", code=err.get("code"), type=err.get("type"))
        if self._realtime.refuses_session(err):
            raise RealtimeSessionRefused()
        if await self._gate.refused(err):
            self._host.settle()
            self._host.maybe_act()
