"""`lookup_driver`: the strict lookup, run in code; the model only relays what the caller said.

The model's answer is `lookup_answer`: the lookup's own view (`LookupResult.to_tool_output()`)
with the next step from prompts/steps.md as `instruction`, the same answer `ivr lookup --json`
shows staff as `model_view`; on a hand-off the call is transferred. A `confirm` names nobody: the
next step asks for the second factor, and from then on the caller's words are kept as its answer.
"""

from __future__ import annotations

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.lookup_answer import lookup_answer
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer
from lookup.result import FAILED, NAME_MISSING


class LookupArgs(Args):
    vehicle_number: str = Field(min_length=1, max_length=40,
                                description="車番。運転手さんが言ったとおり（例: いちにのさんよん、12-34）")
    driver_name: str = Field(min_length=1, max_length=60, description="運転手さんが名乗った名前（かな可）")


async def run(env: ToolEnv, args: LookupArgs) -> ToolOutcome:
    if env.keypad.keypad_running:  # the typed number is being looked up: it decides (keypad_entry.py)
        return answer(env, "keypad_pending", status="keypad_pending")
    async with env.keypad.lock:
        return await look_up(env, args.vehicle_number, args.driver_name)


async def look_up(env: ToolEnv, vehicle: str, name: str) -> ToolOutcome:
    """The strict lookup and its answer, for a spoken number and a typed one alike; the caller
    holds the call's one lookup lock."""
    async with env.deps.sessionmaker() as session:
        result = await env.state.lookups.lookup(session, date=env.today, vehicle_text=vehicle, name_text=name)
    env.state.apply_lookup(result)
    if env.state.verifying:
        env.answers.ask()
    else:
        env.answers.close()
    env.deps.metrics.count_refusal(result.reason)
    output = lookup_answer(result, env.prompts)
    if result.status in FAILED and result.reason != NAME_MISSING and not result.handoff \
            and env.keypad.offer_after_failure():
        output["instruction"] += "\n" + env.prompts.step("keypad_offer")
    if result.handoff:
        return ToolOutcome(output=output, action="transfer", reason="lookup_failed")
    return ToolOutcome(output=output)


TOOL = Tool(
    name="lookup_driver",
    description="車番と名前から運転者を確認します。車番と名前の両方を聞いてから呼びます。推測で呼ばないでください。",
    args=LookupArgs,
    run=run,
)
