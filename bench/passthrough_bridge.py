"""The yardstick for the service's CPU: a minimal Twilio <-> Realtime bridge, as one would first write it.

Plain aiohttp, no checks and no turn logic: it answers the webhook with a `<Connect><Stream>`,
accepts the media socket without a signature or token, opens a socket to the Realtime stand-in
on `start` (aiohttp's client WebSocket, one `ClientSession` for the process), sends one
`session.update` and one `response.create`, and then forwards audio both ways: every Twilio
`media` payload as an `input_audio_buffer.append`, every `response.output_audio.delta` as a
Twilio `media` (no mark: it tracks nothing the caller heard). JSON by orjson, frames through
aiohttp's public API (`send_str`, `async for`). `python -m bench side_by_side` runs it with the
same callers and stand-in as the service; it is not a bridge to deploy.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import orjson
from aiohttp import WSMsgType, web

from ivr.sim.harness import SIM_PUBLIC_BASE
from ivr.sim.local_site import start_local_site

_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
    f'<Stream url="{SIM_PUBLIC_BASE.replace("https://", "wss://")}/twilio/media"/>'
    "</Connect></Response>"
)
_SESSION = {
    "type": "realtime",
    "output_modalities": ["audio"],
    "audio": {"input": {"format": {"type": "audio/pcmu"}}, "output": {"format": {"type": "audio/pcmu"}}},
}
SESSION_KEY = web.AppKey("session", aiohttp.ClientSession)


class PassthroughBridge:
    def __init__(self, realtime_url: str) -> None:
        self.realtime_url = realtime_url.rstrip("/") + "/realtime?model=gpt-realtime"
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> PassthroughBridge:
        app = web.Application()
        app.router.add_post("/twilio/voice", self._voice)
        app.router.add_get("/twilio/media", self._media)
        app.cleanup_ctx.append(self._client_session)
        self._runner, self.port = await start_local_site(app)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    async def _client_session(app: web.Application):  # type: ignore[no-untyped-def]
        app[SESSION_KEY] = aiohttp.ClientSession()
        yield
        await app[SESSION_KEY].close()

    async def _voice(self, request: web.Request) -> web.Response:
        return web.Response(text=_TWIML, content_type="text/xml")

    async def _media(self, request: web.Request) -> web.WebSocketResponse:
        twilio = web.WebSocketResponse()
        await twilio.prepare(request)
        upstream: aiohttp.ClientWebSocketResponse | None = None
        pump: asyncio.Task[None] | None = None
        try:
            async for msg in twilio:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = orjson.loads(msg.data)
                event = frame.get("event")
                if event == "media" and upstream is not None:
                    append = {"type": "input_audio_buffer.append", "audio": frame["media"]["payload"]}
                    await upstream.send_str(orjson.dumps(append).decode())
                elif event == "start":
                    stream_sid = frame["start"]["streamSid"]
                    upstream = await request.app[SESSION_KEY].ws_connect(
                        self.realtime_url, headers={"Authorization": "Bearer sk-bench"})
                    await upstream.send_str(orjson.dumps({"type": "session.update", "session": _SESSION}).decode())
                    await upstream.send_str(orjson.dumps({"type": "response.create"}).decode())
                    pump = asyncio.get_running_loop().create_task(self._down(upstream, twilio, stream_sid))
                elif event == "stop":
                    break
        except (ConnectionError, aiohttp.ClientError):
            pass  # either side went away mid-frame: the call is over
        finally:
            if pump is not None:
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump
            if upstream is not None:
                await upstream.close()
        return twilio

    @staticmethod
    async def _down(upstream: aiohttp.ClientWebSocketResponse, twilio: web.WebSocketResponse, stream_sid: str) -> None:
        async for msg in upstream:
            if msg.type is not WSMsgType.TEXT:
                continue
            event = orjson.loads(msg.data)
            if event.get("type") == "response.output_audio.delta":
                media = {"event": "media", "streamSid": stream_sid, "media": {"payload": event["delta"]}}
                await twilio.send_str(orjson.dumps(media).decode())
