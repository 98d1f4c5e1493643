"""The yardstick for the service's CPU: a minimal Twilio <-> Realtime bridge, as one would first write it.

Plain aiohttp, no checks and no turn logic: it answers the webhook with a `<Connect><Stream>`,
accepts the media socket without a signature or token, opens a socket to the Realtime stand-in
on `start`, sends one `session.update` and one `response.create`, and then forwards audio both
ways: every Twilio `media` payload as an `input_audio_buffer.append`, every
`response.output_audio.delta` as a Twilio `media` (no mark: it tracks nothing the caller heard).
Twilio's side goes through aiohttp's public API (`async for`, `send_str`), JSON by orjson.

Two Realtime sockets, because issue 11 asks for the service to be leaner than the bridge one
would first write, and names the socket as one of the places to be leaner:
- `sdk` (`PassthroughBridge(link="sdk")`): the openai SDK's connection used as its documentation
  shows, `client.realtime.connect(model=...)`, `conn.input_audio_buffer.append(audio=...)` and
  `async for event in conn`. This is the bridge as first written, the yardstick the issue means.
- `aiohttp`: aiohttp's client WebSocket with orjson, the socket the service itself uses. A
  pass-through this lean is a stricter yardstick than the issue asks for; it shows what the
  service's own work costs once both have the same socket.

`python -m bench side_by_side` runs both with the same callers and stand-in as the service; it is
not a bridge to deploy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

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
Forward = Callable[[str], Awaitable[None]]  # one Twilio media payload, on to the model


class PassthroughBridge:
    def __init__(self, realtime_url: str, link: str = "aiohttp") -> None:
        if link not in ("aiohttp", "sdk"):
            raise ValueError(f"unknown Realtime socket for the pass-through: {link}")
        self.base_url = realtime_url.rstrip("/")
        self.realtime_url = self.base_url + "/realtime?model=gpt-realtime"
        self.link = link
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
        async with contextlib.AsyncExitStack() as call:
            forward: Forward | None = None
            try:
                async for msg in twilio:
                    if msg.type is not WSMsgType.TEXT:
                        continue
                    frame = orjson.loads(msg.data)
                    event = frame.get("event")
                    if event == "media" and forward is not None:
                        await forward(frame["media"]["payload"])
                    elif event == "start":
                        opened = self._open_sdk if self.link == "sdk" else self._open_aiohttp
                        forward = await opened(request, call, twilio, frame["start"]["streamSid"])
                    elif event == "stop":
                        break
            except (ConnectionError, aiohttp.ClientError):
                pass  # either side went away mid-frame: the call is over
        return twilio

    async def _open_aiohttp(self, request: web.Request, call: contextlib.AsyncExitStack,
                            twilio: web.WebSocketResponse, stream_sid: str) -> Forward:
        """aiohttp's client WebSocket, frames as orjson text through its public API."""
        upstream = await request.app[SESSION_KEY].ws_connect(
            self.realtime_url, headers={"Authorization": "Bearer sk-bench"})
        call.push_async_callback(upstream.close)
        await upstream.send_str(orjson.dumps({"type": "session.update", "session": _SESSION}).decode())
        await upstream.send_str(orjson.dumps({"type": "response.create"}).decode())

        async def down() -> None:
            async for msg in upstream:
                if msg.type is not WSMsgType.TEXT:
                    continue
                event = orjson.loads(msg.data)
                if event.get("type") == "response.output_audio.delta":
                    await _play(twilio, stream_sid, event["delta"])

        _pump(call, down())

        async def forward(payload: str) -> None:
            await upstream.send_str(orjson.dumps({"type": "input_audio_buffer.append", "audio": payload}).decode())

        return forward

    async def _open_sdk(self, request: web.Request, call: contextlib.AsyncExitStack,
                        twilio: web.WebSocketResponse, stream_sid: str) -> Forward:
        """The openai SDK's Realtime connection, used as its documentation shows."""
        from openai import AsyncOpenAI

        client = AsyncOpenAI(api_key="sk-bench", websocket_base_url=self.base_url)
        conn: Any = await client.realtime.connect(model="gpt-realtime").enter()
        call.push_async_callback(_quietly, conn.close())
        await conn.session.update(session=_SESSION)
        await conn.response.create()

        async def down() -> None:
            async for event in conn:
                if event.type == "response.output_audio.delta":
                    await _play(twilio, stream_sid, event.delta)

        _pump(call, down())

        async def forward(payload: str) -> None:
            await conn.input_audio_buffer.append(audio=payload)

        return forward


async def _play(twilio: web.WebSocketResponse, stream_sid: str, payload: str) -> None:
    media = {"event": "media", "streamSid": stream_sid, "media": {"payload": payload}}
    await twilio.send_str(orjson.dumps(media).decode())


def _pump(call: contextlib.AsyncExitStack, down: Coroutine[Any, Any, None]) -> None:
    """The model's audio to the caller, in its own task until the call ends (cancelled first, before
    the Realtime socket closes)."""
    task = asyncio.get_running_loop().create_task(down)

    async def stop() -> None:
        task.cancel()
        await _quietly(task)

    call.push_async_callback(stop)


async def _quietly(done: Awaitable[Any]) -> None:
    """A call's end: whatever its sockets raise as they go is the call ending, not news."""
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await done
