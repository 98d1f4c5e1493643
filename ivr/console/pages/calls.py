"""通話: a day's calls, each call's transcript, and the calls in progress, live.

The pages are drawn on the server from the shared database; the live parts (the list's 通話中
section and a call in progress) then follow the server-sent events of `live_stream`, which polls
the same database, so a console on any instance sees a call carried by any other. The page notes
the last event id it was drawn with; the stream starts there.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ivr.console.guard import signed_in
from ivr.console.live_stream import LIVE_STREAMS, id_set, install_live_streams, resume_after, stream
from ivr.console.state import console_state, db
from ivr.records.call_list import day_bounds, load_rows
from ivr.records.follow_up import clear_follow_up
from ivr.records.live_feed import LiveFeed
from ivr.records.transcript_view import call_events, display_lines, last_event_id


def register(app: web.Application) -> None:
    install_live_streams(app)
    app.router.add_get("/calls", calls_page, name="calls")
    app.router.add_get("/calls/live", calls_live)
    app.router.add_get(r"/calls/{call_id:\d+}", call_page, name="call")
    app.router.add_get(r"/calls/{call_id:\d+}/live", call_live)
    app.router.add_post(r"/calls/{call_id:\d+}/follow-up", follow_up_done)


def depot_zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(console_state(request).config.timezone)


def chosen_day(request: web.Request, tz: dt.tzinfo) -> tuple[dt.date, dt.date]:
    """(the day asked for with `?date=YYYY-MM-DD`, else today; today) in the depot's zone."""
    today = dt.datetime.now(tz).date()
    raw = request.query.get("date", "")
    if not raw:
        return today, today
    try:
        return dt.date.fromisoformat(raw), today
    except ValueError:
        raise web.HTTPBadRequest(text="日付は YYYY-MM-DD の形で指定してください。") from None


async def calls_page(request: web.Request) -> web.StreamResponse:
    tz = depot_zone(request)
    day, today = chosen_day(request, tz)
    sm = db(request)
    async with sm() as session:
        after = await last_event_id(session)  # first: whatever is written from here on comes by the stream
    rows = await load_rows(sm, day=day, tz=tz)
    live_rows = [r for r in rows if r.live] if day == today else []
    live_rows.sort(key=lambda r: (not r.handed_over, -r.id))  # a call waiting for a dispatcher first
    live_lines = {r.id: display_lines(await call_events(sm, r.id)) for r in live_rows}
    return aiohttp_jinja2.render_template("calls.html", request, {
        "day": day, "is_today": day == today, "rows": rows, "live_rows": live_rows, "live_lines": live_lines,
        "after": after, "tz": tz, "next_url": request.path_qs,
    })


def _call_id(request: web.Request) -> int:
    return int(request.match_info["call_id"])


async def call_page(request: web.Request) -> web.StreamResponse:
    tz = depot_zone(request)
    sm = db(request)
    call_id = _call_id(request)
    async with sm() as session:
        after = await last_event_id(session)
    found = await load_rows(sm, ids=[call_id], tz=tz)
    if not found:
        raise web.HTTPNotFound(text="その通話の記録はありません。")
    lines = display_lines(await call_events(sm, call_id))
    return aiohttp_jinja2.render_template("call.html", request, {
        "row": found[0], "lines": lines, "after": after, "tz": tz, "next_url": request.path_qs,
    })


async def calls_live(request: web.Request) -> web.StreamResponse:
    tz = depot_zone(request)
    _, today = chosen_day(request, tz)
    sm = db(request)
    feed = LiveFeed(sm, after=resume_after(request), tz=tz, known=id_set(request.query.get("known", "")),
                    live=id_set(request.query.get("live", "")), since=day_bounds(today, tz)[0])
    return await stream(request, feed, request.config_dict[LIVE_STREAMS].hub_for(sm, tz), tz)


async def call_live(request: web.Request) -> web.StreamResponse:
    tz = depot_zone(request)
    call_id = _call_id(request)
    sm = db(request)
    feed = LiveFeed(sm, after=resume_after(request), tz=tz, call_id=call_id, known={call_id}, live={call_id})
    return await stream(request, feed, request.config_dict[LIVE_STREAMS].hub_for(sm, tz), tz)


async def follow_up_done(request: web.Request) -> web.StreamResponse:
    """Marks the call's follow-up done by the signed-in user (the guard has checked the CSRF token)."""
    call_id = _call_id(request)
    await clear_follow_up(db(request), call_id, signed_in(request).name)
    back = (await request.post()).get("next", "")
    if not isinstance(back, str) or not back.startswith("/console/calls") or "//" in back or "\\" in back:
        back = f"/console/calls/{call_id}"
    raise web.HTTPSeeOther(back)
