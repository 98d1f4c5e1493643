"""The media socket's own machinery: coalesced frame writes and the idle timer, on real sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from bridge_support import eventually, rig

from ivr.sim.local_site import start_local_site
from ivr.sim.realtime_standin import Say, Script
from ivr.web.media_writer import MAX_UNSENT_BYTES, MediaSocketWriter


@asynccontextmanager
async def writer_server(use: Callable[[MediaSocketWriter], Any]) -> AsyncIterator[str]:
    """A server whose socket handler hands a `MediaSocketWriter` to `use`, then waits for the close."""

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        assert request.transport is not None
        await use(MediaSocketWriter(ws, request.transport))
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner, port = await start_local_site(app)
    try:
        yield f"http://127.0.0.1:{port}/ws"
    finally:
        await runner.cleanup()


async def test_frames_written_together_arrive_as_separate_text_messages_of_every_length_class() -> None:
    sizes = [0, 1, 125, 126, 65535, 65536, 70000]  # header forms: 7-bit, 16-bit and 64-bit lengths
    frames = [bytes([65 + i]) * n for i, n in enumerate(sizes)]

    async def use(writer: MediaSocketWriter) -> None:
        writer.send(*frames[:2])
        writer.send(*frames[2:])

    async with writer_server(use) as url, aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        got = [await ws.receive(timeout=5) for _ in frames]
    assert [m.type for m in got] == [aiohttp.WSMsgType.TEXT] * len(frames)
    assert [m.data.encode() for m in got] == frames


async def test_a_twilio_that_stops_reading_is_cut_off_instead_of_buffered_without_bound() -> None:
    result: dict[str, Any] = {}

    async def use(writer: MediaSocketWriter) -> None:
        chunk = b"x" * 65536
        for _ in range(2000):  # well past the kernel's socket buffers and MAX_UNSENT_BYTES
            writer.send(chunk)
            if writer.stalled:
                break
            await asyncio.sleep(0)
        result["stalled"] = writer.stalled
        writer.send(b"after the abort")  # writes nothing, raises nothing

    async with writer_server(use) as url, aiohttp.ClientSession() as session:
        ws = await session.ws_connect(url, max_msg_size=0)  # never reads
        await eventually(lambda: "stalled" in result, within=10, what="writer gave up")
        await ws.close()
    assert result["stalled"] is True
    assert MAX_UNSENT_BYTES < 2000 * 65536


async def test_a_silent_media_socket_is_ended_by_the_idle_timer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    async with rig(tmp_path, lambda: Script(greeting=Say("はい", ms=100)), media_idle_seconds=0.4) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await caller.wait_closed(within_s=3)
        await eventually(lambda: session.closed.is_set(), what="Realtime socket closed")
    assert "closing reason=idle" in caplog.text


async def test_a_streaming_call_outlives_the_idle_period(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ivr.call")
    async with rig(tmp_path, lambda: Script(greeting=Say("はい", ms=100), vad=False), media_idle_seconds=0.4) as r:
        caller = await r.call()
        await caller.silence(1200)  # three idle periods of 20 ms frames
        assert not caller.closed.is_set()
        await caller.hangup()
    assert "reason=idle" not in caplog.text
