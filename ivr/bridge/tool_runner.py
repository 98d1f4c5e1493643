"""Runs the model's tool calls off the audio path, with a time limit and fillers while they run.

A tool call becomes its own task, so the audio pump never waits on a database or a search. A
tool that raises or does not answer within the limit gets the conversation's stand-in answer
(`Conversation.tool_failed`: the failing tool's own declared policy, never a rule about a tool
name here). While any tool runs, a short filler line ("少々お待ちください", from the prompts) plays
whenever the bot has been quiet for `filler_after` seconds, at most every `filler_every`
seconds. Fillers are out-of-band responses: never in the conversation, never truncated.

The Realtime socket may drop while a tool runs. Its output then belongs to a session that is gone,
and the new session never saw the call: the runner gives the new one the call and its output as
a pair of conversation items (the model's `function_call`, then its `function_call_output`), at
once if it is already open, else as it opens (`carry_over`), and the model answers from it. The
caller hears the answer without asking again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from ivr.bridge.call_log import CallLog
from ivr.bridge.clock import Alarm, Clock
from ivr.bridge.metrics import BridgeMetrics
from ivr.bridge.responses import ResponseGate
from ivr.bridge.speaking import BotVoice
from ivr.conversation import Conversation, EventKind, KeypadLookup, ToolError, ToolFailure, ToolOutcome

UNKNOWN_TOOL = "unknown"  # the metrics label and log name of a tool the conversation does not offer
FILLER_CHECK_S = 0.1  # how often, while a tool runs, the bridge checks whether a filler is due


@dataclass(frozen=True)
class ToolRun:
    """A tool's answer; `error` says why the bridge stood in for it (None: the tool's own answer)."""

    outcome: ToolOutcome
    error: ToolError | None = None


class ToolHost(Protocol):
    """What the runner needs from the call (`CallBridge`)."""

    @property
    def closing(self) -> bool: ...

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...

    def record(self, kind: EventKind, text: str, data: dict[str, Any] | None = None) -> None: ...

    def current_link(self) -> object:
        """The Realtime socket now serving the call: a tool's output goes only to the one that asked."""
        ...

    async def send(self, event: dict[str, Any]) -> None: ...

    async def tool_answered(self, outcome: ToolOutcome, asked_at: float) -> None:
        """The model has the tool's output: act on it (yes/no, transfer, hang-up) and let it answer.
        `asked_at` (the clock's time the model asked for the tool) bounds an urgent hand-over."""
        ...

    def maybe_act(self) -> None:
        """A wanted hand-over or hang-up runs if the bot is quiet now."""
        ...


async def run_tool(conversation: Conversation, name: str, arguments: str, limit_s: float, clock: Clock) -> ToolRun:
    """The tool's outcome, or the conversation's stand-in answer when it failed or took too long."""
    started = clock.now()
    try:
        outcome = await asyncio.wait_for(conversation.run_tool(name, arguments), limit_s)
    except TimeoutError:
        return _stand_in(conversation, name, "timeout", f"{name} did not answer within {limit_s:.0f} s", started,
                         clock)
    except Exception as exc:  # the contract says run_tool must not raise; the call survives if it does
        return _stand_in(conversation, name, "failed", f"{name} failed ({type(exc).__name__})", started, clock)
    if not isinstance(outcome, ToolOutcome):
        return _stand_in(conversation, name, "failed", f"{name} returned no outcome", started, clock)
    return ToolRun(outcome)


def _stand_in(conversation: Conversation, name: str, error: ToolError, message: str, started: float,
              clock: Clock) -> ToolRun:
    code = f"tool_{error}"
    try:
        failure = conversation.tool_failed(name, error)
    except Exception:  # a broken policy must not break the call: the model still gets the error
        failure = ToolFailure("")
    output: dict[str, Any] = {
        "ok": False,
        "error": {"code": code, "message": message},
        "instruction": failure.instruction,
        "elapsed_ms": int((clock.now() - started) * 1000),
    }
    return ToolRun(ToolOutcome(output=output, action=failure.action, reason=code), error)


class ToolRunner:
    def __init__(self, host: ToolHost, conversation: Conversation, gate: ResponseGate, voice: BotVoice, *,
                 clock: Clock, metrics: BridgeMetrics, log: CallLog, limit_s: float, filler_after: float,
                 filler_every: float) -> None:
        self._host = host
        self._conversation = conversation
        self._gate = gate
        self._voice = voice
        self._clock = clock
        self._metrics = metrics
        self._log = log
        self._limit = limit_s
        self._filler_after = filler_after
        self._filler_every = filler_every
        self._names = frozenset(str(t.get("name", "")) for t in conversation.tools())
        self._filler_alarm = Alarm(clock, self._check_filler)
        self._last_filler = -1e9
        self._keypad_calls = 0
        self._orphans: list[tuple[str, str, str, str]] = []  # (call id, name, arguments, output) of a gone session
        self.running = 0

    def label(self, name: str) -> str:
        """The name comes from the model: only names the conversation offers become labels or log fields."""
        return name if name in self._names else UNKNOWN_TOOL

    def start(self, call_id: str, name: str, arguments: str) -> None:
        self.running += 1
        self._host.spawn(self._run(call_id, name, arguments, self._host.current_link()))
        if not self._filler_alarm.armed:
            self._last_filler = -1e9
            self._filler_alarm.set(self._clock.now() + FILLER_CHECK_S)

    async def skip(self, call_id: str, name: str) -> None:
        """The caller cut off the response that made this call (the API still reports its arguments,
        maybe half-written): it is not run (an `end_call` must not hang up on a caller who just
        said 「ちょっと待って」), and the model is told so, with no new response asked for."""
        self._log.event("tool_skipped", tool=self.label(name), reason="response_cancelled")
        self._host.record("tool_result", name, {"name": name, "output": None, "error": "response_cancelled"})
        output = json.dumps({"status": "not_run", "reason": "caller_interrupted"})
        await self._host.send({"type": "conversation.item.create",
                               "item": {"type": "function_call_output", "call_id": call_id, "output": output}})

    def run_for_caller(self, work: Callable[[], Awaitable[KeypadLookup | None]]) -> None:
        """A tool call the caller made without the model (a keypad entry), run like the model's:
        off the audio path, counted as running (fillers play, a hand-over waits for it), within the
        time limit. Its call and output go into the model's conversation as items, and the model
        answers them as it answers any tool's output."""
        self.running += 1
        self._host.spawn(self._run_for_caller(work))
        if not self._filler_alarm.armed:
            self._last_filler = -1e9
            self._filler_alarm.set(self._clock.now() + FILLER_CHECK_S)

    def stop(self) -> None:
        self._filler_alarm.cancel()

    async def _run_for_caller(self, work: Callable[[], Awaitable[KeypadLookup | None]]) -> None:
        started = self._clock.now()
        call: KeypadLookup | None = None
        try:
            try:
                call = await asyncio.wait_for(work(), self._limit)
            except Exception as exc:  # the entry is lost, not the call: the caller can type or say it again
                self._log.warning("keypad_lookup_failed", error=type(exc).__name__)
            if call is not None:
                label = self.label(call.name)
                self._metrics.tool_seconds.labels(label).observe(self._clock.now() - started)
                self._log.event("keypad_lookup", tool=label, status=str(call.outcome.output.get("status", "")))
                self._keypad_calls += 1
                call_id = f"keypad_{self._keypad_calls}"
                output = json.dumps(call.outcome.output, ensure_ascii=False)
                # Whichever session serves the call when the entry is done gets it; with none open it
                # waits for the next like a dropped session's output, so a typed number is never lost.
                if self._host.current_link() is None:
                    self._orphans.append((call_id, call.name, call.arguments, output))
                else:
                    await self._send_pair(call_id, call.name, call.arguments, output)
        finally:
            self.running -= 1
        if call is not None:
            await self._host.tool_answered(call.outcome, started)
        else:
            self._host.maybe_act()

    async def _run(self, call_id: str, name: str, arguments: str, link: object) -> None:
        started = self._clock.now()
        label = self.label(name)
        try:
            run = await run_tool(self._conversation, name, arguments, self._limit, self._clock)
            self._metrics.tool_seconds.labels(label).observe(self._clock.now() - started)
            if run.error is not None:
                self._metrics.tool_errors.labels(label).inc()
                self._log.warning("tool_error", tool=label, error=run.error)
                self._host.record("tool_result", name, {"name": name, "output": run.outcome.output,
                                                        "error": run.error})
            output = json.dumps(run.outcome.output, ensure_ascii=False)
            if link is not None and link is self._host.current_link():
                item = {"type": "function_call_output", "call_id": call_id, "output": output}
                await self._host.send({"type": "conversation.item.create", "item": item})
            if link is None or link is not self._host.current_link():  # gone, before or while it was sent
                self._log.event("tool_output_orphaned", tool=label)
                self._orphans.append((call_id, name, arguments, output))
                await self.carry_over()
        finally:
            self.running -= 1
        await self._host.tool_answered(run.outcome, started)

    async def carry_over(self) -> None:
        """Tool outputs whose session dropped go to the session now serving the call (kept for the
        next one while there is none), each with the call it answers: that session never saw it."""
        if self._host.current_link() is None or not self._orphans:
            return
        orphans, self._orphans = self._orphans, []
        for call_id, name, arguments, output in orphans:
            self._log.event("tool_output_carried", tool=self.label(name))
            await self._send_pair(call_id, name, arguments, output)

    async def _send_pair(self, call_id: str, name: str, arguments: str, output: str) -> None:
        """A call the serving session never saw, with its output, as two conversation items."""
        await self._host.send({"type": "conversation.item.create", "item": {
            "type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}})
        await self._host.send({"type": "conversation.item.create", "item": {
            "type": "function_call_output", "call_id": call_id, "output": output}})

    def _check_filler(self) -> None:
        """While tools run, never leave the caller in silence longer than `filler_after`."""
        if self.running <= 0 or self._host.closing:
            return
        now = self._clock.now()
        if self._host.current_link() is None:  # between sessions: nobody to say it
            self._filler_alarm.set(now + FILLER_CHECK_S)
            return
        state = self._gate.state
        idle = not state.active and not state.has_pending and not state.stopped
        if (self._voice.quiet_for_at_least(self._filler_after, now) and idle
                and now - self._last_filler >= self._filler_every):
            self._last_filler = now
            self._metrics.fillers.inc()
            self._log.event("filler")
            self._host.spawn(self._gate.create(self._conversation.filler(), filler=True))
        self._filler_alarm.set(now + FILLER_CHECK_S)
