"""Server-sent events for the console's live views, polling the shared database.

One `LiveHub` per console polls every `POLL_S` for all the views it serves; a view first catches
up from where its page was drawn. The event's id is the poller's cursor, so a browser that
reconnects (EventSource does by itself) resumes from `Last-Event-ID` and drops the lines it
already shows. Streams end on their own when the browser goes, and all at once when the service
shuts down (a rolling restart must not wait on an open console).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.records.live_feed import LiveFeed, LiveUpdate
from ivr.records.live_hub import LiveHub, Subscription

POLL_S = 0.75  # how fast a new line shows up, against one indexed query per console per poll
PING_S = 15.0  # keeps proxies from closing a quiet stream
MAX_STREAM_S = 300.0  # then the browser reconnects, and the guard checks its session again
RETRY_MS = 1000  # how soon the browser reconnects


@dataclass
class LiveStreams:
    """The console's open streams and the one hub that polls for them (one per console app, never
    global), so shutdown can end them all at once."""

    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    hub: LiveHub | None = None
    open: int = 0

    def hub_for(self, sessionmaker: async_sessionmaker[AsyncSession], tz: dt.tzinfo) -> LiveHub:
        if self.hub is None:
            self.hub = LiveHub(sessionmaker, tz, poll_s=POLL_S)
        return self.hub


LIVE_STREAMS: web.AppKey[LiveStreams] = web.AppKey("ivr_console_live_streams", LiveStreams)


def install_live_streams(app: web.Application) -> None:
    app[LIVE_STREAMS] = LiveStreams()

    async def stop(_: web.Application) -> None:
        streams = app[LIVE_STREAMS]
        streams.stopping.set()
        if streams.hub is not None:
            await streams.hub.stop()

    app.on_shutdown.append(stop)


def resume_after(request: web.Request) -> int:
    """Where the stream starts: the browser's `Last-Event-ID` on a reconnect, else the page's `after`."""
    for raw in (request.headers.get("Last-Event-ID", ""), request.query.get("after", "")):
        if raw.isdigit():
            return int(raw)
    return 0


def id_set(raw: str) -> set[int]:
    return {int(x) for x in raw.split(",") if x.isdigit()}


async def stream(request: web.Request, catch_up: LiveFeed, hub: LiveHub, tz: dt.tzinfo) -> web.StreamResponse:
    """Sends what the page missed (`catch_up`, read once), then the hub's news for this view, until
    the browser goes, the service stops, or `MAX_STREAM_S` passes: the browser then reconnects
    through the console's guard, so a stream never outlives its session by long."""
    streams = request.config_dict[LIVE_STREAMS]
    streams.open += 1
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + MAX_STREAM_S
    sub: Subscription | None = None
    try:
        async with sse_response(request, ping_interval=PING_S) as resp:
            try:
                first = await catch_up.poll()
                sub = hub.subscribe(catch_up.view, start=catch_up.cursor.last, live=catch_up.poller.live)
                hub.start()
                await _send(resp, catch_up.cursor.last, first, tz)
                while resp.is_connected() and not streams.stopping.is_set() and loop.time() < ends_at:
                    if sub.overflowed:
                        break  # too far behind: the browser reconnects and catches up
                    try:
                        last_id, update = await asyncio.wait_for(sub.updates.get(), POLL_S)
                    except TimeoutError:
                        continue
                    await _send(resp, last_id, update, tz)
            except (ConnectionResetError, TimeoutError):  # the browser went away, or stopped reading
                pass
        return resp
    finally:
        streams.open -= 1
        if sub is not None:
            hub.unsubscribe(sub)


async def _send(resp: EventSourceResponse, last_id: int, update: LiveUpdate, tz: dt.tzinfo) -> None:
    if update:
        await resp.send(json.dumps(update.as_json(tz), ensure_ascii=False), event="calls", id=str(last_id),
                        retry=RETRY_MS)
