"""`confirm_driver`: the caller's yes or no after the bot read back a likely driver's name."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer


class ConfirmArgs(Args):
    answer: Literal["yes", "no"] = Field(description="本人なら yes、違うなら no")


async def run(env: ToolEnv, args: ConfirmArgs) -> ToolOutcome:
    name_kana = env.state.pending_name_kana
    step = env.state.confirm(args.answer == "yes")
    if step == "lookup_transfer":
        return answer(env, step, action="transfer", reason="lookup_failed", status="not_confirmed")
    if step == "confirm_yes":
        return answer(env, step, status="confirmed", driver_name_kana=name_kana)
    return answer(env, step, status="not_confirmed" if step == "confirm_no" else "nothing_to_confirm")


TOOL = Tool(
    name="confirm_driver",
    description="lookup_driver が confirm を返したあと、読み上げた名前が本人かどうかの答えを渡します。",
    args=ConfirmArgs,
    run=run,
)
