"""The seam between the call bridge (audio, turns, sockets) and the conversation (prompts, tools).

The bridge knows nothing about schedules; the conversation knows nothing about sockets. One
`Conversation` is created per call by a `ConversationFactory` and holds all of that call's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

EventKind = Literal[
    "caller", "bot", "tool_call", "tool_result", "interruption", "aizuchi_ignored", "transfer", "system"
]


@dataclass
class CallContext:
    """What the bridge knows about a call when it starts. `caller_phone` is never logged."""

    call_sid: str
    stream_sid: str = ""
    caller_phone: str | None = None
    custom_parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class ToolOutcome:
    """A tool's answer to the model, plus what the bridge must do after it is spoken.

    `action` lets a tool end or hand over the call without the bridge knowing why:
    "transfer" dials the dispatcher, "hangup" ends the call after the current response plays
    (unless the caller cuts that goodbye off with something meaningful: they are not done).
    `expects_yes_no` tells turn control that a following はい is an answer, not a 相槌.
    """

    output: dict[str, Any]
    action: Literal["none", "transfer", "hangup"] = "none"
    reason: str = ""
    expects_yes_no: bool = False


@dataclass(frozen=True)
class CallerDirective:
    """What the conversation decided in code from the caller's own words, whatever the model does.

    The model talks; it never decides the critical things. A driver who asks for a person is handed
    over even if the model missed it: the bridge lets the current response finish, starts no new
    one, then acts ("transfer" dials the dispatcher, "hangup" ends the call). `reason` goes to the
    call record and the metrics.
    """

    action: Literal["transfer", "hangup"]
    reason: str


class Conversation(Protocol):
    def instructions(self) -> str:
        """Session instructions for the model (from the Markdown prompts, reloaded when changed)."""
        ...

    def tools(self) -> list[dict[str, Any]]:
        """Realtime GA function tool definitions."""
        ...

    def greeting(self) -> str:
        """Instruction for the first response, sent as soon as the session is ready."""
        ...

    async def run_tool(self, name: str, arguments: str) -> ToolOutcome:
        """Run one tool call; `arguments` is the raw JSON string from the model. Must not raise."""
        ...

    def caller_said(self, text: str) -> CallerDirective | None:
        """Each final transcript of the caller. Runs on the audio path: decide on the words, no I/O."""
        ...

    async def record(self, kind: EventKind, text: str = "", data: dict[str, Any] | None = None) -> None:
        """Append to the call's transcript (both sides, interruptions, tools)."""
        ...

    async def finish(self, outcome: str | None = None) -> None:
        """The call ended (hang-up, transfer, failure); `outcome` overrides the inferred one."""
        ...


class ConversationFactory(Protocol):
    async def __call__(self, ctx: CallContext) -> Conversation: ...
