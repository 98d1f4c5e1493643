"""The seam between the call bridge (audio, turns, sockets) and the conversation (prompts, tools).

The bridge knows nothing about schedules; the conversation knows nothing about sockets. One
`Conversation` is created per call by a `ConversationFactory` and holds all of that call's state,
including how the call turns out: the bridge reports what it did (`handed_over`) and the
conversation decides the outcome when it `finish`es. Every word the model is told comes from the
conversation (its Markdown prompts), never from the bridge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

EventKind = Literal[
    "caller", "bot", "tool_call", "tool_result", "interruption", "aizuchi_ignored", "transfer", "system"
]
ToolError = Literal["timeout", "failed"]
"""Why the bridge answers for a tool: it did not answer within the limit, or it raised (it must not)."""


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
    `urgent`: the transfer may not wait out the bridge's usual grace for the bot's line (the
    database is away: nothing the bot could say next would work), see `URGENT_HANDOVER_S`.
    """

    output: dict[str, Any]
    action: Literal["none", "transfer", "hangup"] = "none"
    reason: str = ""
    expects_yes_no: bool = False
    urgent: bool = False


@dataclass(frozen=True)
class ToolFailure:
    """The conversation's answer for a tool the bridge had to stand in for (see `ToolError`).

    It comes from the failure policy declared on that tool: what the model is told to say
    (an apology, say) and whether the call then goes to a dispatcher."""

    instruction: str
    action: Literal["none", "transfer"] = "none"


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


@dataclass(frozen=True)
class KeypadLookup:
    """A tool call the caller made on the keypad, run by the conversation: the bridge puts it in
    the model's conversation as the call (`name`, `arguments`) and its output, as if the model had
    made it, so the model learns the result on the same path as any tool's."""

    name: str
    arguments: str
    outcome: ToolOutcome


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

    def resumed(self) -> str:
        """Instruction for the first response on a new Realtime session of the same call (after a drop)."""
        ...

    def filler(self) -> str:
        """Instruction for a filler line, said while a tool is still running."""
        ...

    async def run_tool(self, name: str, arguments: str) -> ToolOutcome:
        """Run one tool call; `arguments` is the raw JSON string from the model. Must not raise."""
        ...

    def tool_failed(self, name: str, error: ToolError) -> ToolFailure:
        """How the call goes on when tool `name` timed out or raised (`name` comes from the model)."""
        ...

    def caller_said(self, text: str) -> CallerDirective | None:
        """Each final transcript of the caller. Runs on the audio path: decide on the words, no I/O."""
        ...

    def handed_over(self, reason: str) -> None:
        """The bridge is handing the call to a dispatcher (for `reason`); the first reason is kept."""
        ...

    def record(self, kind: EventKind, text: str = "", data: dict[str, Any] | None = None) -> None:
        """Append to the call's transcript (both sides, interruptions, tools). Only queues: never waits."""
        ...

    async def finish(self) -> None:
        """The call ended (hang-up, transfer, failure): every record written, the outcome stored."""
        ...


@runtime_checkable
class KeypadConversation(Protocol):
    """What a conversation offers beyond `Conversation` for keypad entry and notices (the bridge
    uses them when the conversation has them: ivr/guidance's does)."""

    async def keypad_entry(self, digits: str) -> KeypadLookup | None:
        """A completed keypad entry; None: nothing to tell the model."""
        ...

    def take_notices(self) -> list[str]:
        """Instructions to put beside the conversation now (a keypad offer on a noisy line, the
        desk's hours), each once. Runs on the audio path after `caller_said`: no I/O."""
        ...


class ConversationFactory(Protocol):
    async def __call__(self, ctx: CallContext) -> Conversation: ...
