"""`get_next_stop`: the identified driver's next open stop today, in kana only."""

from __future__ import annotations

from ivr.conversation import ToolOutcome
from ivr.guidance.schedule_view import driver_stops, next_open, stop_kana
from ivr.guidance.speech import count_kana, date_kana
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer, not_identified


class NextStopArgs(Args):
    pass


async def run(env: ToolEnv, args: NextStopArgs) -> ToolOutcome:
    if not env.state.identified or env.state.driver_id is None:
        return not_identified(env)
    async with env.deps.sessionmaker() as session:
        stops = await driver_stops(session, env.today, env.state.driver_id)
    stop = next_open(stops)
    if stop is None:
        return answer(env, "no_more_stops", status="none", date_kana=date_kana(env.today))
    env.state.mark_served()
    position = stops.index(stop) + 1
    remaining = sum(1 for s in stops[position:] if s.status in ("planned", "arrived"))
    return answer(env, "next_stop", status="found", date_kana=date_kana(env.today),
                  stop=stop_kana(stop, position), remaining_after_this_kana=count_kana(remaining))


TOOL = Tool(
    name="get_next_stop",
    description="確認済みの運転者の、本日の次の届け先（名前・住所・到着時間・積荷・備考のカナ）を返します。",
    args=NextStopArgs,
    run=run,
)
