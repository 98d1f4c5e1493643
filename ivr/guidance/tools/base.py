"""What a tool handler gets (this call's state and the shared services) and how it answers.

Every answer carries `instruction`, the next step of the flow from prompts/steps.md: the flow is
chained through tool results rather than held in one long prompt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ivr.conversation import CallContext, ToolOutcome
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.prompts import Prompts
from ivr.guidance.state import CallState


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


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[Args]
    run: Callable[[ToolEnv, Any], Awaitable[ToolOutcome]]

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
