"""`end_call`: the caller has nothing more; the bridge hangs up after the goodbye plays."""

from __future__ import annotations

from ivr.conversation import ToolOutcome
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer


class EndArgs(Args):
    pass


async def run(env: ToolEnv, args: EndArgs) -> ToolOutcome:
    return answer(env, "end_call", status="ending", action="hangup", reason="done")


TOOL = Tool(
    name="end_call",
    description="用件が済んだら、あいさつの前に呼びます。結果の指示どおりにお別れのあいさつをすると、通話が終わります。",
    args=EndArgs,
    run=run,
)
