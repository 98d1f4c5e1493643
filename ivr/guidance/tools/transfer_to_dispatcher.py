"""`transfer_to_dispatcher`: hand the call to a person; the bridge dials the dispatcher."""

from __future__ import annotations

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer


class TransferArgs(Args):
    reason: str = Field(default="caller_request", max_length=200, description="引き継ぐ理由（短く）")


# The action's reason is a fixed code: it becomes a metrics label and a log field, so it must
# neither grow without bound nor carry what the model wrote (a driver's name, say). The model's
# own words stay in the call record, with the tool call's arguments.
MODEL_REASON = "caller_request"


async def run(env: ToolEnv, args: TransferArgs) -> ToolOutcome:
    return answer(env, "transfer", status="transferring", action="transfer", reason=MODEL_REASON)


TOOL = Tool(
    name="transfer_to_dispatcher",
    description="運転手さんが人（オペレーター、配車係）と話したいとき、または指示があったときに配車係へつなぎます。",
    args=TransferArgs,
    run=run,
)
