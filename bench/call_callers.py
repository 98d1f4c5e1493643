"""The Twilio side of the calls benchmark: many callers in one process, each as cheap as it goes.

Each call is set up like Twilio's (the signed webhook through `TwilioCaller.dial`, the signed
upgrade, `connected`, `start` with the stream token), then runs two coroutines: a sender that
writes a preformatted stamped `media` frame every 20 ms on its own clock phase and, on the same
wake-ups, echoes the marks whose audio has played out; and a reader that notes each `media`
(its stamp and its length, from the base64 length) and each `mark`. Marks are echoed at most one
tick (20 ms) after their audio finished playing, as an earpiece would report.

Hanging up is by design not a loss: a caller stops sending after `frames` frames, then keeps
reading and echoing until it has heard all the model's frames and echoed every mark (or a drain
limit passes), and only then sends `stop`. Whatever is still missing after that is lost.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
import orjson
from aiohttp import WSMsgType

from bench.call_stamps import FRAME_S, REST_B64, WARMUP, Latencies, age_ms, stamp_b64
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE
from ivr.sim.twilio_caller import CONNECTED, TwilioCaller
from ivr.telephony.media_frames import payload_bytes


@dataclass
class CallerTally:
    """What all callers of one run sent, heard and measured."""

    calls_ok: int = 0
    failed: int = 0
    sent: int = 0
    sent_warmup: int = 0
    media_in: int = 0
    marks_in: int = 0
    marks_echoed: int = 0
    clears: int = 0
    latencies: Latencies = field(default_factory=Latencies)
    all_flowing_at: float = 0.0  # when the last call heard the bot: every call streams both ways from here
    first_done_at: float = float("inf")  # when the first call stopped sending


Socket = aiohttp.ClientWebSocketResponse[Literal[False]]  # text frames arrive as bytes, for orjson


class _Call:
    def __init__(self, ws: Socket, stream_sid: str, tally: CallerTally) -> None:
        self.ws = ws
        self.tally = tally
        self.media_in = 0
        self.heard_bot = asyncio.Event()
        self.play_end = 0.0
        self.marks: deque[tuple[float, str]] = deque()
        self._media = (
            b'{"event":"media","sequenceNumber":"%d","media":{"track":"inbound","chunk":"%d","timestamp":"%d",'
            b'"payload":"%s' + REST_B64.encode() + b'"},"streamSid":"' + stream_sid.encode() + b'"}'
        )
        self._mark = b'{"event":"mark","streamSid":"' + stream_sid.encode() + b'","mark":{"name":%s}}'

    async def send_media(self, seq: int) -> None:
        flag = 0 if self.heard_bot.is_set() else WARMUP
        frame = self._media % (seq + 2, seq + 1, (seq + 1) * 20, stamp_b64(seq | flag).encode())
        await self.ws.send_frame(frame, WSMsgType.TEXT)
        self.tally.sent += 1
        if flag:
            self.tally.sent_warmup += 1

    async def echo_played_marks(self, now: float) -> None:
        while self.marks and self.marks[0][0] <= now:
            _, name = self.marks.popleft()
            await self.ws.send_frame(self._mark % orjson.dumps(name), WSMsgType.TEXT)
            self.tally.marks_echoed += 1

    async def read(self) -> None:
        tally = self.tally
        async for msg in self.ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = orjson.loads(msg.data)
            event = frame.get("event")
            now = time.monotonic()
            if event == "media":
                payload = frame["media"]["payload"]
                self.play_end = max(self.play_end, now) + payload_bytes(payload) / 8000
                tally.latencies.add(age_ms(payload)[0])
                tally.media_in += 1
                self.media_in += 1
                if not self.heard_bot.is_set():
                    self.heard_bot.set()
                    tally.all_flowing_at = max(tally.all_flowing_at, now)
            elif event == "mark":
                self.marks.append((max(self.play_end, now), frame["mark"]["name"]))
                tally.marks_in += 1
            elif event == "clear":
                tally.clears += 1
                self.play_end = now
                await self.echo_played_marks(float("inf"))


async def run_call(
    session: aiohttp.ClientSession, url: str, *, frames: int, start_at: float, drain_s: float, tally: CallerTally
) -> None:
    """One call: set up, `frames` frames each way in real time, drain, hang up."""
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    caller = TwilioCaller(url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE, session=session)
    try:
        resp = await caller.dial()
        if resp.status != 200:
            raise aiohttp.ClientError(f"webhook answered {resp.status}")
        local, headers = caller.socket_target()
        ws = await session.ws_connect(local, headers=headers, max_msg_size=1 << 20, decode_text=False)
    except aiohttp.ClientError:
        tally.failed += 1
        return
    call = _Call(ws, caller.stream_sid, tally)
    reader = asyncio.get_running_loop().create_task(call.read())
    try:
        await ws.send_frame(orjson.dumps(CONNECTED), WSMsgType.TEXT)
        await ws.send_frame(orjson.dumps(caller.start_event()), WSMsgType.TEXT)
        await _stream(call, frames, drain_s, reader)
        await ws.send_frame(orjson.dumps(caller.stop_event()), WSMsgType.TEXT)
    except ConnectionError:  # the service closed the call: counted as failed, the others go on
        tally.failed += 1
    else:
        tally.calls_ok += 1
    finally:
        await ws.close()
        reader.cancel()


async def _stream(call: _Call, frames: int, drain_s: float, reader: asyncio.Task[None]) -> None:
    t0 = time.monotonic()
    for seq in range(frames):
        await call.send_media(seq)
        await call.echo_played_marks(time.monotonic())
        await asyncio.sleep(max(0.0, t0 + (seq + 1) * FRAME_S - time.monotonic()))
    call.tally.first_done_at = min(call.tally.first_done_at, time.monotonic())
    deadline = time.monotonic() + drain_s
    while (call.media_in < frames or call.marks) and time.monotonic() < deadline and not reader.done():
        await call.echo_played_marks(time.monotonic())
        await asyncio.sleep(FRAME_S)
