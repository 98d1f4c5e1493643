"""`lookup_driver`: the strict lookup, run in code; the model only relays what the caller said.

The model's answer is `lookup_answer`: the lookup's own view (`LookupResult.to_tool_output()`)
with the next step from prompts/steps.md as `instruction`, the same answer `ivr lookup --json`
shows staff as `model_view`; on a hand-off the call is transferred.
"""

from __future__ import annotations

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.lookup_answer import lookup_answer
from ivr.guidance.tools.base import Args, Tool, ToolEnv


class LookupArgs(Args):
    vehicle_number: str = Field(min_length=1, max_length=40,
                                description="車番。運転手さんが言ったとおり（例: いちにのさんよん、12-34）")
    driver_name: str = Field(min_length=1, max_length=60, description="運転手さんが名乗った名前（かな可）")


async def run(env: ToolEnv, args: LookupArgs) -> ToolOutcome:
    async with env.deps.sessionmaker() as session:
        result = await env.state.lookups.lookup(session, date=env.today, vehicle_text=args.vehicle_number,
                                                name_text=args.driver_name)
    step = env.state.apply_lookup(result)
    output = lookup_answer(result, env.prompts)
    if result.handoff:
        return ToolOutcome(output=output, action="transfer", reason="lookup_failed")
    return ToolOutcome(output=output, expects_yes_no=(step == "lookup_confirm"))


TOOL = Tool(
    name="lookup_driver",
    description="車番と名前から運転者を確認します。車番と名前の両方を聞いてから呼びます。推測で呼ばないでください。",
    args=LookupArgs,
    run=run,
)
