"""What the model is told after a lookup: the lookup's own view plus the next step's instruction.

The phone path (`lookup_driver`) and the staff view (`ivr lookup --json`'s `model_view`) both
build it here, so what staff see is what the model is told. The lookup returns a status and a
reason code; the words come from the prompts (steps.md) through `lookup_step`.
"""

from __future__ import annotations

from typing import Any

from ivr.guidance.state import lookup_step
from ivr.prompts.store import Prompts
from lookup.result import LookupResult


def lookup_answer(result: LookupResult, prompts: Prompts) -> dict[str, Any]:
    """The tool output for `result` (already counted by the call's `CallLookup`)."""
    return {**result.to_tool_output(), "instruction": prompts.step(lookup_step(result))}


def staff_view(result: LookupResult, prompts: Prompts) -> dict[str, Any]:
    """Everything staff may see, with `model_view`: what the model is told for this lookup."""
    return {**result.to_staff_json(), "model_view": lookup_answer(result, prompts)}
