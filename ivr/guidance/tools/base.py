"""What a tool handler gets (this call's state and the shared services) and how it answers.

Every answer carries `instruction`, the next step of the flow from prompts/steps.md: the flow is
chained through tool results rather than held in one long prompt. Each tool also declares what
the caller gets when it cannot answer (`OnFailure`), so the code that runs tools never decides
that by a tool's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ivr.conversation import CallContext, ToolOutcome
from ivr.guidance.caller_answers import CallerAnswers
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.keypad_entry import KeypadState
from ivr.guidance.state import CallState
from ivr.prompts.store import Prompts


class Args(BaseModel):
    """Tool arguments: unknown fields are an error, so a confused model is told, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass
class ToolEnv:
    state: CallState
    deps: GuidanceDeps
    prompts: Prompts
    ctx: CallContext
    today: dt.date
    answers: CallerAnswers
    keypad: KeypadState = field(default_factory=KeypadState)


@dataclass(frozen=True)
class OnFailure:
    """A tool's failure policy: the step the model is told (an apology, an "I don't know") and
    whether the call then goes to a dispatcher."""

    step: str
    action: Literal["none", "transfer"] = "none"


HAND_OVER = OnFailure("transfer", "transfer")  # the caller can't be helped without it: a person takes over
APOLOGISE = OnFailure("tool_unavailable")  # the bot apologises and offers to ask again or hand over
# Whatever the tool: the database is away, so no tool would work; the bot apologises, a person takes over.
DATABASE_AWAY = OnFailure("database_unavailable", "transfer")


@dataclass(frozen=True)
class Tool:
    """One tool the model may call. `on_error`: the tool raised (a database error, say);
    `on_no_answer`: the bridge got no answer from it in time."""

    name: str
    description: str
    args: type[Args]
    run: Callable[[ToolEnv, Any], Awaitable[ToolOutcome]]
    on_error: OnFailure = HAND_OVER
    on_no_answer: OnFailure = APOLOGISE

    def definition(self) -> dict[str, Any]:
        """The Realtime GA function tool definition, from the argument model's JSON schema."""
        schema = _strip_titles(self.args.model_json_schema())
        schema.setdefault("properties", {})
        schema["additionalProperties"] = False
        return {"type": "function", "name": self.name, "description": self.description, "parameters": schema}


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def answer(env: ToolEnv, step: str, *, action: Literal["none", "transfer", "hangup"] = "none", reason: str = "",
           expects_yes_no: bool = False, **fields: Any) -> ToolOutcome:
    output = {**fields, "instruction": env.prompts.step(step)}
    return ToolOutcome(output=output, action=action, reason=reason, expects_yes_no=expects_yes_no)


def not_identified(env: ToolEnv) -> ToolOutcome:
    """The single answer to any schedule question before the driver is identified."""
    return answer(env, "not_identified", status="not_identified")
