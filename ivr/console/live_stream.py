"""Server-sent events for the console's live views, polling the shared database.

Each open view gets its own `LiveFeed` and one poll every `POLL_S`; the event's id is the feed's
cursor, so a browser that reconnects (EventSource does by itself) resumes from `Last-Event-ID`
and drops the lines it already shows. Streams end on their own when the browser goes, and all at
once when the service shuts down (a rolling restart must not wait on an open console).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from ivr.records.live_feed import LiveFeed

log = logging.getLogger("ivr.console")
POLL_S = 0.75  # how fast a new line shows up, against one indexed query per open view per poll
PING_S = 15.0  # keeps proxies from closing a quiet stream
MAX_STREAM_S = 300.0  # then the browser reconnects, and the guard checks its session again
RETRY_MS = 1000  # how soon the browser reconnects


@dataclass
class LiveStreams:
    """The console's open streams, so shutdown can end them (one per console app, never global)."""

    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    open: int = 0


LIVE_STREAMS: web.AppKey[LiveStreams] = web.AppKey("ivr_console_live_streams", LiveStreams)


def install_live_streams(app: web.Application) -> None:
    app[LIVE_STREAMS] = LiveStreams()

    async def stop(_: web.Application) -> None:
        app[LIVE_STREAMS].stopping.set()

    app.on_shutdown.append(stop)


def resume_after(request: web.Request) -> int:
    """Where the stream starts: the browser's `Last-Event-ID` on a reconnect, else the page's `after`."""
    for raw in (request.headers.get("Last-Event-ID", ""), request.query.get("after", "")):
        if raw.isdigit():
            return int(raw)
    return 0


def id_set(raw: str) -> set[int]:
    return {int(x) for x in raw.split(",") if x.isdigit()}


async def stream(request: web.Request, feed: LiveFeed, tz: dt.tzinfo) -> web.StreamResponse:
    """Polls until the browser goes, the service stops, or `MAX_STREAM_S` passes: the browser then
    reconnects through the console's guard, so a stream never outlives its session by long."""
    streams = request.config_dict[LIVE_STREAMS]
    streams.open += 1
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + MAX_STREAM_S
    try:
        async with sse_response(request, ping_interval=PING_S) as resp:
            try:
                while resp.is_connected() and not streams.stopping.is_set() and loop.time() < ends_at:
                    await _send_news(resp, feed, tz)
                    try:
                        await asyncio.wait_for(streams.stopping.wait(), POLL_S)
                    except TimeoutError:
                        pass
            except (ConnectionResetError, TimeoutError):  # the browser went away, or stopped reading
                pass
        return resp
    finally:
        streams.open -= 1


async def _send_news(resp: EventSourceResponse, feed: LiveFeed, tz: dt.tzinfo) -> None:
    try:
        update = await feed.poll()
    except Exception as exc:  # a database hiccup: try again at the next poll (the type only: no data logged)
        log.warning("console live view: poll failed: %s", type(exc).__name__)
        return
    if update:
        await resp.send(json.dumps(update.as_json(tz), ensure_ascii=False), event="calls", id=str(feed.cursor.last),
                        retry=RETRY_MS)
