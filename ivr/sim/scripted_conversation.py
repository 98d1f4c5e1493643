"""A Conversation with canned tools, for tests, the benchmark and `ivr demo` without a database.

Each call gets its own `ScriptedConversation` (tool state is never shared between calls); the
factory keeps them so a test can read one call's transcript and outcome. `caller_rule` stands in
for the conversation's own rules on the caller's words (none by default: only the model acts).
The service's own lines (fillers, the line after a reconnect, a tool's apology) are the shipped
prompts', as for a real call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from ivr.conversation import CallContext, CallerDirective, EventKind, ToolError, ToolFailure, ToolOutcome
from ivr.prompts.store import DEFAULT_PROMPTS
from ivr.records.outcome import Outcome

ToolImpl = Callable[[dict[str, Any]], Awaitable[ToolOutcome]] | ToolOutcome
CallerRule = Callable[[str], CallerDirective | None]

DEFAULT_INSTRUCTIONS = "あなたは物流センターの配車案内です。日本語で、短く丁寧に話してください。"
DEFAULT_GREETING = "「お電話ありがとうございます。車番とお名前をお願いします。」と挨拶してください。"


class ScriptedConversation:
    def __init__(self, ctx: CallContext, tools: dict[str, ToolImpl], caller_rule: CallerRule | None = None) -> None:
        self.ctx = ctx
        self._tools = tools
        self._caller_rule = caller_rule
        self.directives: list[CallerDirective] = []
        self.events: list[tuple[EventKind, str, dict[str, Any]]] = []
        self.tool_calls: list[tuple[str, dict[str, Any]]] = []
        self.prompts = DEFAULT_PROMPTS.snapshot()
        self.transfer_reason: str | None = None
        self.outcome: Outcome | None = None
        self.finished = asyncio.Event()
        self.finish_count = 0

    def instructions(self) -> str:
        return DEFAULT_INSTRUCTIONS

    def tools(self) -> list[dict[str, Any]]:
        return [
            {"type": "function", "name": name, "description": f"{name} (scripted)", "parameters": {"type": "object"}}
            for name in self._tools
        ]

    def greeting(self) -> str:
        return DEFAULT_GREETING

    def resumed(self) -> str:
        return self.prompts.line("resumed")

    def filler(self) -> str:
        return self.prompts.line("filler")

    async def run_tool(self, name: str, arguments: str) -> ToolOutcome:
        args = json.loads(arguments or "{}")
        self.tool_calls.append((name, args))
        impl = self._tools.get(name)
        if impl is None:
            return ToolOutcome(output={"ok": False, "error": {"code": "unknown_tool", "message": name}})
        if isinstance(impl, ToolOutcome):
            return impl
        return await impl(args)

    def tool_failed(self, name: str, error: ToolError) -> ToolFailure:
        return ToolFailure(self.prompts.step("tool_unavailable"))

    def caller_said(self, text: str) -> CallerDirective | None:
        directive = self._caller_rule(text) if self._caller_rule is not None else None
        if directive is not None:
            self.directives.append(directive)
        return directive

    def handed_over(self, reason: str) -> None:
        if self.transfer_reason is None:
            self.transfer_reason = reason

    def record(self, kind: EventKind, text: str = "", data: dict[str, Any] | None = None) -> None:
        self.events.append((kind, text, data or {}))

    async def finish(self) -> None:
        self.finish_count += 1
        self.outcome = Outcome.TRANSFERRED if self.transfer_reason is not None else Outcome.SERVED
        self.finished.set()

    def texts(self, kind: EventKind) -> list[str]:
        return [text for k, text, _ in self.events if k == kind]


class ScriptedFactory:
    def __init__(self, tools: dict[str, ToolImpl] | None = None, caller_rule: CallerRule | None = None) -> None:
        self.tools = tools or {}
        self.caller_rule = caller_rule
        self.calls: dict[str, ScriptedConversation] = {}

    async def __call__(self, ctx: CallContext) -> ScriptedConversation:
        conv = ScriptedConversation(ctx, self.tools, self.caller_rule)
        self.calls[ctx.call_sid] = conv
        return conv
