"""`search_destination_info`: a free-text question about one of the driver's own destinations.

Only the identified driver's destinations are searched (the next stop by default), so a
question can never surface another driver's stop. Below the score floor the answer is
"unknown": the bot says it doesn't know instead of guessing.
"""

from __future__ import annotations

from pydantic import Field
from rapidfuzz import fuzz

from ivr.conversation import ToolOutcome
from ivr.guidance.schedule_view import driver_stops, next_open, notes_heard_at, stop_destination_key
from ivr.guidance.tools.base import Args, OnFailure, Tool, ToolEnv, answer, not_identified
from jtext.folds import search_text
from schedules.models import Stop
from schedules.search.base import SearchHit
from schedules.search.bigrams import coverage_scores

MIN_NAME_SIMILARITY = 60
MAX_NOTE_LINES = 2


class SearchArgs(Args):
    question: str = Field(min_length=1, max_length=200,
                          description="運転手さんの質問の要点（例: 駐車場の場所、受付の休止時間）")
    destination: str | None = Field(default=None, max_length=100,
                                    description="届け先の名前。省略すると次の届け先について調べます")


def pick_stop(stops: list[Stop], destination: str | None) -> Stop | None:
    if not destination:
        return next_open(stops) or (stops[0] if stops else None)
    wanted = search_text(destination)
    scored = [
        (max(fuzz.partial_ratio(wanted, search_text(s.destination_name)),
             fuzz.partial_ratio(wanted, search_text(s.destination_name_kana))), s)
        for s in stops
    ]
    best = max(scored, key=lambda t: t[0], default=None)
    return best[1] if best and best[0] >= MIN_NAME_SIMILARITY else None


def relevant_notes(question: str, hit: SearchHit, allowed: set[str] | None = None) -> list[str]:
    """The readings of the note lines that answer the question, best first.

    A destination's document gathers the notes of every stop there, some written for other
    drivers' deliveries; only the lines the question is about, and of those only the ones in
    `allowed` (see `notes_heard_at`), are read out - never the whole document, never other
    stops' cargo.
    """
    texts = hit.doc.notes.split("\n") if hit.doc.notes else []
    kanas = hit.doc.notes_kana.split("\n") if hit.doc.notes_kana else []
    lines = [(t, k) for t, k in zip(texts, kanas, strict=False) if allowed is None or t.strip() in allowed]
    scores = coverage_scores(question, [f"{text}\n{kana}" for text, kana in lines])
    ranked = sorted(zip(scores, range(len(lines)), strict=True), key=lambda t: (-t[0], t[1]))
    return [lines[i][1] for score, i in ranked[:MAX_NOTE_LINES] if score > 0]


async def run(env: ToolEnv, args: SearchArgs) -> ToolOutcome:
    if not env.state.identified or env.state.driver_id is None:
        return not_identified(env)
    async with env.deps.sessionmaker() as session:
        stops = await driver_stops(session, env.today, env.state.driver_id)
        stop = pick_stop(stops, args.destination)
        if stop is None:
            return answer(env, "search_unknown", status="unknown")
        allowed = await notes_heard_at(session, env.today, env.state.driver_id, stop)
    hits = await env.deps.search.search(depot_id=env.deps.depot_id, date=env.today, text=args.question,
                                        destination_key=stop_destination_key(stop), top=3)
    answers = [
        {"destination_name_kana": h.doc.name_kana, "notes_kana": notes}
        for h in hits
        if (notes := relevant_notes(args.question, h, allowed))
    ]
    if not answers:
        return answer(env, "search_unknown", status="unknown", destination_name_kana=stop.destination_name_kana)
    return answer(env, "search_found", status="found", answers=answers,
                  your_cargo_kana=stop.cargo_kana)


TOOL = Tool(
    name="search_destination_info",
    description="届け先の駐車場・入口・バース・受付などの質問に、登録済みの情報から答えます。",
    args=SearchArgs,
    run=run,
    on_error=OnFailure("search_unknown"),  # a failed search is a question not answered: the call goes on
)
