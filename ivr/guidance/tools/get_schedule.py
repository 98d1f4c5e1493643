"""`get_schedule`: the identified driver's stops today or tomorrow, in kana only."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.schedule_view import driver_stops, stop_kana
from ivr.guidance.speech import date_kana
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer, not_identified


class ScheduleArgs(Args):
    day: Literal["today", "tomorrow"] = Field(description="today（本日）か tomorrow（明日）")


async def run(env: ToolEnv, args: ScheduleArgs) -> ToolOutcome:
    if not env.state.identified or env.state.driver_id is None:
        return not_identified(env)
    date = env.today + dt.timedelta(days=1 if args.day == "tomorrow" else 0)
    async with env.deps.sessionmaker() as session:
        stops = await driver_stops(session, date, env.state.driver_id)
    if not stops:
        return answer(env, "schedule_none", status="none", day=args.day, date_kana=date_kana(date))
    env.state.mark_served()
    return answer(env, "schedule", status="found", day=args.day, date_kana=date_kana(date),
                  stops=[stop_kana(s, i) for i, s in enumerate(stops, start=1)])


TOOL = Tool(
    name="get_schedule",
    description="確認済みの運転者の本日または明日の予定（届け先の一覧のカナ）を返します。",
    args=ScheduleArgs,
    run=run,
)
