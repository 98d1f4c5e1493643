"""Carries out turn control's decisions on the sockets: interrupt, respond, discard, and its timer.

`TurnController` (ivr/turn/machine.py) decides who has the floor; this does what it says. An
interruption clears Twilio's queued audio, cancels the response and truncates the model's item at
the position the caller actually heard (frozen before Twilio echoes the cleared marks), or deletes
it when nothing was heard; a filler is never truncated, as it is not in the conversation. A
discarded utterance (a 相槌) is deleted from the conversation so the model never answers it,
once the server has committed it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from ivr.bridge.call_log import CallLog
from ivr.bridge.clock import Alarm, Clock
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.playback import PlaybackTracker
from ivr.bridge.responses import ResponseGate
from ivr.conversation import EventKind
from ivr.turn.machine import Action, Discard, Interrupt, Respond, TurnController


class TurnHost(Protocol):
    """What carrying out turn decisions needs from the call (`CallBridge`)."""

    @property
    def closing(self) -> bool: ...

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...

    def record(self, kind: EventKind, text: str, data: dict[str, Any] | None = None) -> None: ...

    async def send(self, event: dict[str, Any]) -> None: ...

    def clear_caller_audio(self) -> None:
        """Tell Twilio to drop the audio it has queued for the caller."""
        ...

    def interrupted(self) -> None:
        """The caller cut the bot off: the hand-over policy and the bot's voice must know."""
        ...


class TurnActions:
    def __init__(self, host: TurnHost, turn: TurnController, playback: PlaybackTracker, gate: ResponseGate, *,
                 clock: Clock, metrics: BridgeMetrics, log: CallLog) -> None:
        self._host = host
        self._turn = turn
        self._playback = playback
        self._gate = gate
        self._metrics = metrics
        self._log = log
        self._committed: set[str] = set()
        self._delete_on_commit: set[str] = set()
        self._alarm = Alarm(clock, self._on_timer)

    async def apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Interrupt):
                await self._interrupt(action)
            elif isinstance(action, Respond):
                self._log.event("respond", reason=action.reason)
                await self._gate.request()
            elif isinstance(action, Discard):
                await self._discard(action)
        self.arm_timer()

    async def committed(self, item_id: str) -> None:
        """`input_audio_buffer.committed`: an item discarded before it existed is deleted now."""
        self._committed.add(item_id)
        if item_id in self._delete_on_commit:
            self._delete_on_commit.discard(item_id)
            await self._host.send({"type": "conversation.item.delete", "item_id": item_id})

    def arm_timer(self) -> None:
        """Turn control's next deadline (a late answer, a long utterance) gets its `tick`."""
        self._alarm.set(None if self._host.closing else self._turn.next_deadline())

    def stop(self) -> None:
        self._alarm.cancel()

    def _on_timer(self) -> None:
        if not self._host.closing:
            self._host.spawn(self.apply(self._turn.tick()))

    async def _interrupt(self, action: Interrupt) -> None:
        """Clear, cancel, truncate: the heard position is frozen before Twilio echoes the cleared marks."""
        decision = self._playback.clear()
        self._host.clear_caller_audio()
        if await self._gate.cancel():
            self._metrics.cancels.labels(action.reason).inc()
            self._log.event("cancel", reason=action.reason)
        heard_ms = 0
        if decision is not None and decision.item_id not in self._gate.state.filler_items:
            heard_ms = decision.audio_end_ms
            if decision.action == "truncate":
                await self._host.send({
                    "type": "conversation.item.truncate",
                    "item_id": decision.item_id,
                    "content_index": decision.content_index,
                    "audio_end_ms": decision.audio_end_ms,
                })
            elif decision.action == "delete":
                await self._host.send({"type": "conversation.item.delete", "item_id": decision.item_id})
        self._metrics.interruptions.labels(action.reason).inc()
        self._log.event("interruption", reason=action.reason, heard_ms=heard_ms)
        self._host.record("interruption", action.text, {"reason": action.reason, "heard_ms": heard_ms})
        self._host.interrupted()

    async def _discard(self, action: Discard) -> None:
        if action.item_id in self._committed:
            await self._host.send({"type": "conversation.item.delete", "item_id": action.item_id})
        else:
            self._delete_on_commit.add(action.item_id)
        if action.reason == "aizuchi":
            self._metrics.aizuchi_ignored.inc()
            self._host.record("aizuchi_ignored", action.text, {})
        self._log.event("caller_speech_dropped", reason=action.reason)
