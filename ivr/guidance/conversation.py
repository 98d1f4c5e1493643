"""`GuidanceConversation`: one call's conversation (the `Conversation` of ivr/conversation.py).

It owns the call's flow state, its prompt snapshot and its call record; nothing here is shared
between calls. A caller who asks for a person is handed over by `caller_said`, in code, whether
or not the model calls `transfer_to_dispatcher`; `caller_said` also keeps the caller's answer to
a verification question, which the second factor must find there (`CallerAnswers`). `run_tool`
never raises: a bad argument or a failing database becomes a structured error the model can act
on (what the caller then gets is the failing tool's own declared policy), and the exception is
logged with the call id only. A database that is away (refusing, or hung: a slow tool gets it
probed, ivr/guidance/stall.py) overrides that policy: the apology and an urgent hand-over.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from pydantic import ValidationError

from ivr.conversation import (
    CallContext,
    CallerDirective,
    EventKind,
    KeypadLookup,
    ToolError,
    ToolFailure,
    ToolOutcome,
)
from ivr.guidance.caller_answers import CallerAnswers
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.desk_hours import AFTER_HOURS, DeskCheck
from ivr.guidance.keypad_entry import KeypadState
from ivr.guidance.person_request import default_rules
from ivr.guidance.stall import PROBE_TIMEOUT_S, DatabaseStalled, unless_stalled
from ivr.guidance.state import CallState
from ivr.guidance.tools import TOOLS
from ivr.guidance.tools.base import APOLOGISE, DATABASE_AWAY, OnFailure, ToolEnv, answer
from ivr.guidance.tools.lookup_driver import LookupArgs, look_up
from ivr.guidance.tools.verify_driver import verify_keyed
from ivr.records.recorder import CallRecorder
from ivr.records.store import database_answers, is_outage
from lookup.attempt_ledger import Trip
from lookup.call_lookup import CallLookup
from lookup.caller_key import caller_key

log = logging.getLogger(__name__)
PERSON_REQUESTED = "caller_asked_for_person"
DATABASE_UNAVAILABLE = "database_unavailable"  # the transfer reason when a tool found the database away


class GuidanceConversation:
    def __init__(self, ctx: CallContext, deps: GuidanceDeps, recorder: CallRecorder) -> None:
        self.ctx = ctx
        self.deps = deps
        # The call's one attempt counter lives in its CallLookup; the caller ID breaks ties in it, and
        # its keyed hash (never the number) counts the caller's attempts across calls.
        lookups = CallLookup(caller_phone=ctx.caller_phone, ledger=deps.ledger, call_sid=ctx.call_sid,
                             caller_key=caller_key(ctx.caller_phone, deps.caller_hash_key), on_trip=self._tripped)
        self.state = CallState(lookups=lookups)
        self.answers = CallerAnswers()
        self.prompts = deps.prompts.snapshot()
        self.today = deps.today()
        self.recorder = recorder
        self.keypad = KeypadState()
        self.desk = DeskCheck(deps.desk, self.prompts)
        self._spoken_name = ""  # the name the model last passed to lookup_driver: a typed number goes with it
        self._notices: list[str] = []  # told to the model beside the conversation (keypad offer, desk closed)
        self._finished = False
        self._shown_driver: int | None = None
        self._driver_kana = ""  # the identified driver's name as the lookup gave it (for a resumed session)
        self._last_instruction = ""
        self._abandoned: set[asyncio.Task[object]] = set()  # tools cancelled on a hung database, until they end
        # Sees every transcript line as it is recorded (`ivr demo` prints the call live with it).
        self.observer: Callable[[str, str, dict[str, Any]], None] | None = None

    @classmethod
    async def start(cls, ctx: CallContext, deps: GuidanceDeps) -> GuidanceConversation:
        recorder = deps.recorder(ctx.call_sid)
        conv = cls(ctx, deps, recorder)
        await recorder.start(turn_mode=deps.turn_mode, schedule_date=conv.today)
        return conv

    def instructions(self) -> str:
        """The prompts' instructions, and what this call has reached so far: a new Realtime session
        after a drop starts with no conversation, and must not ask again what the caller said."""
        known = self._known()
        return f"{self.prompts.instructions}\n\n{known}" if known else self.prompts.instructions

    def tools(self) -> list[dict[str, Any]]:
        return [t.definition() for t in TOOLS.values()]

    def greeting(self) -> str:
        return self.prompts.greeting

    def resumed(self) -> str:
        known = self._known()
        return f"{self.prompts.line('resumed')}\n{known}" if known else self.prompts.line("resumed")

    def _known(self) -> str:
        """What a resumed session must be told (prompts/lines.md): the driver identified, the last step."""
        parts = []
        if self.state.identified and self._driver_kana:
            parts.append(self.prompts.line("resumed_identified").replace("{driver_name_kana}", self._driver_kana))
        if self._last_instruction:
            parts.append(self.prompts.line("resumed_step").replace("{instruction}", self._last_instruction))
        return "\n".join(p for p in parts if p)

    def filler(self) -> str:
        return self.prompts.line("filler")

    def _error(self, code: str, message: str, details: list[dict[str, Any]] | None = None) -> ToolOutcome:
        output: dict[str, Any] = {"status": "error", "error": code, "message": message}
        if details:
            output["details"] = details
        output["instruction"] = self.prompts.step("bad_arguments")
        return ToolOutcome(output=output)

    async def run_tool(self, name: str, arguments: str) -> ToolOutcome:
        return self._conclude(name, await self._run(name, arguments))

    def _conclude(self, name: str, outcome: ToolOutcome, **extra: str) -> ToolOutcome:
        """What every tool result (spoken or keyed) goes through before the model hears it."""
        if outcome.action == "transfer":
            closed = self.desk.closed_outcome(outcome)
            if closed is not None:  # nobody at the desk: no transfer, the bot says when it opens
                self.state.follow_up(AFTER_HOURS)
                outcome = closed
            else:
                self.state.hand_over(outcome.reason)
        self._remember(outcome.output)
        self.record("tool_result", name, {"name": name, "output": outcome.output, "action": outcome.action,
                                          **extra})
        self._note_driver()
        return outcome

    def _note_driver(self) -> None:
        """The console shows who is calling while the call goes on; the record's `driver_id` is set
        only when the call finishes, so the transcript carries the moment the driver is known."""
        driver = self.state.driver_id
        if driver is not None and driver != self._shown_driver:
            self._shown_driver = driver
            self.record("system", "identified", {"driver_id": driver})

    async def _run(self, name: str, arguments: str) -> ToolOutcome:
        self.record("tool_call", name, {"name": name, "arguments": arguments})
        tool = TOOLS.get(name)
        if tool is None:
            return self._error("unknown_tool", f"no tool named {name!r}; use one of: {', '.join(TOOLS)}")
        try:
            raw = json.loads(arguments) if arguments and arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return self._error("bad_json", f"arguments are not valid JSON: {exc.msg} at {exc.pos}")
        if not isinstance(raw, dict):
            return self._error("bad_arguments", "arguments must be a JSON object")
        try:
            args = tool.args.model_validate(raw)
        except ValidationError as exc:
            details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()]
            return self._error("bad_arguments", "arguments do not fit the tool's schema", details)
        if isinstance(args, LookupArgs):
            self._spoken_name = args.driver_name
        env = self._env()
        try:
            # A hung database raises nothing: a slow tool gets the database probed (ivr/guidance/stall.py).
            return await unless_stalled(tool.run(env, args), self._database_answers, abandoned=self._abandoned)
        except DatabaseStalled:
            log.error("call %s: tool %s cancelled: the database does not answer", self.ctx.call_sid, name)
            return self._failed(tool.on_error, away=True)
        except Exception as exc:  # the type only: a database error's text holds the query's names and numbers
            log.error("call %s: tool %s failed: %s", self.ctx.call_sid, name, type(exc).__name__)
            # The call's database away (not a refused statement, nor another store such as a search
            # index): no tool would work, so the caller goes to a person at once.
            away = is_outage(exc) and not await self._database_answers()
            return self._failed(tool.on_error, away=away)

    async def _database_answers(self) -> bool:
        return await database_answers(self.deps.sessionmaker, timeout_s=PROBE_TIMEOUT_S)

    def _failed(self, on_error: OnFailure, *, away: bool) -> ToolOutcome:
        policy = DATABASE_AWAY if away else on_error
        code = DATABASE_UNAVAILABLE if away else "tool_failed"
        output = {"status": "error", "error": code, "instruction": self.prompts.step(policy.step)}
        return ToolOutcome(output=output, action=policy.action, reason=code, urgent=away)

    def _remember(self, output: dict[str, Any]) -> None:
        """Kept for a resumed session: who was identified, and the step the caller was led to."""
        if not self.state.identified:
            self._driver_kana = ""
        elif isinstance(output.get("driver_name_kana"), str):
            self._driver_kana = output["driver_name_kana"]
        if isinstance(output.get("instruction"), str):
            self._last_instruction = output["instruction"]

    def _env(self) -> ToolEnv:
        return ToolEnv(state=self.state, deps=self.deps, prompts=self.prompts, ctx=self.ctx, today=self.today,
                       answers=self.answers, keypad=self.keypad)

    def tool_failed(self, name: str, error: ToolError) -> ToolFailure:
        tool = TOOLS.get(name)
        policy = tool.on_no_answer if tool is not None else APOLOGISE
        if policy.action == "transfer":
            closed = self.desk.closed_instruction()
            if closed is not None:
                self.state.follow_up(AFTER_HOURS)
                return ToolFailure(closed)
            self.state.hand_over(f"tool_{error}")
        return ToolFailure(self.prompts.step(policy.step), policy.action)

    def caller_said(self, text: str) -> CallerDirective | None:
        self.answers.heard(text)
        if self.keypad.heard(text) and not self.state.identified:  # the keypad is for the vehicle number
            log.info("call %s: the line is noisy, the keypad is offered", self.ctx.call_sid)
            self._notices.append(self.prompts.line("keypad_noisy"))
        if self.state.transferred or self.state.person_requested:
            return None
        phrase = default_rules().match(text)
        if phrase is None:
            return None
        self.state.caller_asked_for_person()
        log.info("call %s: the caller asked for a person", self.ctx.call_sid)
        closed = self.desk.closed_instruction()
        if closed is not None:  # the model, told beside the conversation, says when the desk opens
            self.state.follow_up(AFTER_HOURS)
            self._notices.append(closed)
            return None
        return CallerDirective("transfer", PERSON_REQUESTED)

    def take_notices(self) -> list[str]:
        notices, self._notices = self._notices, []
        return notices

    async def keypad_entry(self, digits: str) -> KeypadLookup | None:
        """A number typed on the keypad: the same strict lookup as a spoken one, with the name the
        caller gave (none yet: the model is told to ask for it, and nothing is looked up); while a
        `confirm` awaits the phone's last four digits, those digits, verified as a spoken answer
        would be (`verify_driver`). None when there is nothing to do (the driver is already
        identified, or the call is being handed over)."""
        entry = await self._keypad_entry(digits)
        self.deps.metrics.count_keypad(entry.outcome.output.get("status") if entry is not None else None)
        return entry

    async def _keypad_entry(self, digits: str) -> KeypadLookup | None:
        self.record("system", "keypad_entry", {"digits_count": len(digits)})
        if self.state.transferred:
            return None
        self.keypad.keypad_running = True
        try:
            async with self.keypad.lock:
                if self.state.identified:
                    return None
                if self.state.verifying:
                    return await self._keyed_verify(digits)
                name = self._spoken_name
                arguments = json.dumps({"vehicle_number": digits, "driver_name": name}, ensure_ascii=False)
                self.record("tool_call", "lookup_driver", {"name": "lookup_driver", "arguments": arguments,
                                                          "source": "keypad"})
                env = self._env()
                if not name:
                    outcome = answer(env, "keypad_ask_name", status="name_needed", source="keypad")
                else:
                    try:
                        outcome = await look_up(env, digits, name)
                    except Exception as exc:
                        log.error("call %s: keypad lookup failed: %s", self.ctx.call_sid, type(exc).__name__)
                        outcome = self._keypad_failed()
                    outcome.output["source"] = "keypad"
        finally:
            self.keypad.keypad_running = False
        outcome = self._conclude("lookup_driver", outcome, source="keypad")
        return KeypadLookup("lookup_driver", arguments, outcome)

    async def _keyed_verify(self, digits: str) -> KeypadLookup:
        """The phone's last four typed while a `confirm` awaits them: `verify_driver` on the keys."""
        arguments = json.dumps({"phone_last4": digits}, ensure_ascii=False)
        self.record("tool_call", "verify_driver", {"name": "verify_driver", "arguments": arguments,
                                                  "source": "keypad"})
        try:
            outcome = await verify_keyed(self._env(), digits)
        except Exception as exc:
            log.error("call %s: keypad verification failed: %s", self.ctx.call_sid, type(exc).__name__)
            outcome = self._keypad_failed()
        outcome.output["source"] = "keypad"
        return KeypadLookup("verify_driver", arguments, self._conclude("verify_driver", outcome, source="keypad"))

    def _keypad_failed(self) -> ToolOutcome:
        return ToolOutcome(output={"status": "error", "error": "tool_failed",
                                   "instruction": self.prompts.step("transfer")},
                           action="transfer", reason="tool_failed")

    def _tripped(self, trip: Trip) -> None:
        """One of this call's failed attempts brought a plate or a caller to its limit (no number logged)."""
        self.deps.metrics.trips.labels(trip.kind).inc()
        log.warning("call %s: identification limit tripped (%s, %d failures)", self.ctx.call_sid, trip.kind,
                    trip.failures)

    def handed_over(self, reason: str) -> None:
        self.state.hand_over(reason)
        if self.desk.closed_instruction() is not None:  # the bridge dials anyway (no bot left to say it)
            self.state.follow_up(AFTER_HOURS)

    def record(self, kind: EventKind, text: str = "", data: dict[str, Any] | None = None) -> None:
        if self.observer is not None:
            self.observer(kind, text, dict(data or {}))
        self.recorder.add(kind, text, data)

    async def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        final = self.state.outcome()
        metrics = {"transfer_reason": self.state.transfer_reason} if self.state.transfer_reason else None
        hook = self.deps.after_call
        also = partial(hook, caller_phone=self.ctx.caller_phone) if hook is not None else None
        await self.recorder.finish(outcome=final, driver_id=self.state.driver_id,
                                   lookup_failures=self.state.lookup_failures, metrics=metrics, also=also,
                                   follow_up=self.state.follow_up_reason)
        log.info("call %s finished: %s", self.ctx.call_sid, final)
