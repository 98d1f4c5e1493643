"""The Realtime side of the calls benchmark: just enough of the GA protocol, as cheaply as it goes.

The test stand-in (`ivr.sim.realtime_standin`) parses and records every event so tests can assert
on them; at 200 calls that bookkeeping would compete with the service for the same two cores.
This one answers `session.update` and `response.create` (one spoken answer of `frames` stamped
20 ms deltas, paced by the clock from the moment the response starts) and, for each
`input_audio_buffer.append`, reads only the 16 base64 characters of the stamp. Deltas are
preformatted bytes; only the stamp and the event number change per frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from bench.call_stamps import FRAME_S, REST_B64, STAMP_B64_CHARS, Latencies, age_ms, stamp_b64
from ivr.sim.local_site import start_local_site

APPEND_PREFIX = b'{"type":"input_audio_buffer.append","audio":"'
_DELTA = (
    b'{"type":"response.output_audio.delta","event_id":"ev_d%d","response_id":"%s","item_id":"%s",'
    b'"output_index":0,"content_index":0,"delta":"%s' + REST_B64.encode() + b'"}'
)


class LoadStandin:
    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.port = 0
        self.sessions = 0
        self.received = 0
        self.received_warmup = 0
        self.deltas_sent = 0
        self.latencies = Latencies()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self) -> LoadStandin:
        app = web.Application()
        app.router.add_get("/v1/realtime", self._socket)
        self._runner, self.port = await start_local_site(app)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stats(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "received": self.received, "received_warmup": self.received_warmup,
                "deltas_sent": self.deltas_sent}

    def _heard(self, stamp: bytes | str) -> None:
        ms, warmup = age_ms(stamp)
        self.received += 1
        if warmup:
            self.received_warmup += 1
        else:
            self.latencies.add(ms)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=1 << 20, decode_text=False)
        await ws.prepare(request)
        self.sessions += 1
        speaking: asyncio.Task[None] | None = None
        session = {"type": "realtime", "id": f"sess_{self.sessions}"}
        await self._send(ws, {"type": "session.created", "session": session})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                data: bytes = msg.data
                if data.startswith(APPEND_PREFIX):  # the hot path: read the stamp, nothing else
                    self._heard(data[len(APPEND_PREFIX) : len(APPEND_PREFIX) + STAMP_B64_CHARS])
                    continue
                event = orjson.loads(data)
                kind = event.get("type")
                if kind == "input_audio_buffer.append":
                    self._heard(event["audio"][:STAMP_B64_CHARS])
                elif kind == "session.update":
                    await self._send(ws, {"type": "session.updated", "session": event.get("session") or {}})
                elif kind == "response.create":
                    first = speaking is None
                    speaking = asyncio.get_running_loop().create_task(self._respond(ws, speak=first))
        finally:
            if speaking is not None:
                speaking.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):  # the bridge hung up first
                    await speaking
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: dict[str, Any]) -> None:
        event.setdefault("event_id", f"ev_{next(self._ids)}")
        await ws.send_frame(orjson.dumps(event), WSMsgType.TEXT)

    async def _respond(self, ws: web.WebSocketResponse, *, speak: bool) -> None:
        """The first response speaks for the whole call; any later one is empty."""
        n = next(self._ids)
        response_id, item_id = f"resp_{n}", f"item_{n}"
        ids = {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}
        item = {"id": item_id, "type": "message", "role": "assistant"}
        await self._send(ws, {"type": "response.created", "response": {"id": response_id, "status": "in_progress"}})
        if speak:
            await self._send(ws, {"type": "response.output_item.added", "response_id": response_id, "item": item})
            rid, iid = response_id.encode(), item_id.encode()
            t0 = time.monotonic()
            for seq in range(self.frames):
                await ws.send_frame(_DELTA % (seq, rid, iid, stamp_b64(seq).encode()), WSMsgType.TEXT)
                self.deltas_sent += 1
                await asyncio.sleep(max(0.0, t0 + (seq + 1) * FRAME_S - time.monotonic()))
            await self._send(ws, {"type": "response.output_audio.done", **ids})
            await self._send(ws, {"type": "response.output_audio_transcript.done", **ids, "transcript": "ベンチ"})
            await self._send(ws, {"type": "response.output_item.done", "response_id": response_id, "item": item})
        await self._send(ws, {"type": "response.done", "response": {"id": response_id, "status": "completed"}})
