"""`lookup_driver`: the strict lookup, run in code; the model only relays what the caller said."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.lookup_port import lookup
from ivr.guidance.speech import digits_kana
from ivr.guidance.state import MAX_LOOKUP_FAILURES
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer


class LookupArgs(Args):
    vehicle_number: str = Field(min_length=1, max_length=40,
                                description="車番。運転手さんが言ったとおり（例: いちにのさんよん、12-34）")
    driver_name: str = Field(min_length=1, max_length=60, description="運転手さんが名乗った名前（かな可）")


async def run(env: ToolEnv, args: LookupArgs) -> ToolOutcome:
    async with env.deps.sessionmaker() as session:
        view = await lookup(session, date=env.today, vehicle_text=args.vehicle_number, name_text=args.driver_name,
                            caller_phone=env.ctx.caller_phone)
    step = env.state.lookup_result(view.status, view.driver_id, view.driver_name_kana)
    fields: dict[str, Any] = {"status": view.status}
    if view.status in ("matched", "confirm"):
        fields["driver_name_kana"] = view.driver_name_kana
    else:
        fields["heard_vehicle_number_kana"] = digits_kana(view.digits)
        fields["attempts_left"] = max(0, MAX_LOOKUP_FAILURES - env.state.lookup_failures)
    if step == "lookup_transfer":
        env.state.transferred = True
        return answer(env, step, action="transfer", reason="lookup_failed", **fields)
    return answer(env, step, expects_yes_no=(step == "lookup_confirm"), **fields)


TOOL = Tool(
    name="lookup_driver",
    description="車番と名前から運転者を確認します。車番と名前の両方を聞いてから呼びます。推測で呼ばないでください。",
    args=LookupArgs,
    run=run,
)
