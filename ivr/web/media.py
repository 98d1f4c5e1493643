"""`GET /twilio/media`: the Media Streams socket, one per call.

The upgrade must carry a valid signature over the public wss:// URL, and the `start` frame the
one-time token the webhook issued for that CallSid. Bad frames are counted and skipped; a silent
socket (idle timer) or an over-long call ends only this call.

Frames arrive 50 times a second per call, so the loop is lean: text frames stay bytes for orjson,
and the idle timer is one clock read per frame instead of a timeout context per `receive`.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSMsgType, web

from ivr.bridge.call import CallBridge
from ivr.conversation import CallContext
from ivr.telephony import media_frames
from ivr.telephony.signature import public_url
from ivr.web.media_writer import MediaSocketWriter
from ivr.web.state import MAX_MEDIA_MESSAGE, STATE, WebState, source_of

_log = logging.getLogger("ivr.web")
_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


class IdleWatch:
    """Cancels the watched task once nothing arrived for `seconds`.

    `touch` only stores the loop time; the timer re-arms itself at the last touch plus `seconds`,
    so a busy stream costs one timer per idle period, not one per frame.
    """

    def __init__(self, seconds: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._seconds = seconds
        self.last = self._loop.time()
        self.fired = False
        self._timer = self._loop.call_at(self.last + seconds, self._check)

    def touch(self) -> None:
        self.last = self._loop.time()

    def _check(self) -> None:
        due = self.last + self._seconds
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._check)
            return
        self.fired = True
        if self._task is not None:
            self._task.cancel()

    def stop(self) -> None:
        self._timer.cancel()


async def media_socket(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    source = source_of(request)
    if state.limiter.blocked(source):
        state.metrics.calls_rejected.labels("source_blocked").inc()
        return web.Response(status=429, text="too many failed attempts")
    if state.public_base is None:
        return web.Response(status=403, text="forbidden")
    url = public_url(state.public_base, "/twilio/media", websocket=True)
    if not state.signatures.valid(url, {}, request.headers):
        state.limiter.fail(source)
        state.metrics.calls_rejected.labels("bad_signature").inc()
        return web.Response(status=403, text="forbidden")
    if state.at_capacity:
        state.metrics.calls_rejected.labels("capacity").inc()
        return web.Response(status=503, text="at capacity")

    ws = web.WebSocketResponse(max_msg_size=MAX_MEDIA_MESSAGE, autoping=True, decode_text=False, compress=False)
    await ws.prepare(request)
    assert request.transport is not None  # prepared: the upgraded connection
    writer = MediaSocketWriter(ws, request.transport)
    bridge = CallBridge(
        twilio=writer,
        connector=state.connector,
        factory=state.factory,
        config=state.bridge_config,
        call_control=state.call_control,
        metrics=state.metrics,
    )
    state.bridges.add(bridge)
    state.metrics.calls_active.inc()
    bridge.begin()
    reason = "twilio_closed"
    try:
        async with asyncio.timeout(state.config.max_call_seconds):
            reason = await _pump_until_idle(ws, bridge, state, source)
        if writer.stalled:
            reason = "twilio_not_reading"
    except TimeoutError:
        reason = "max_call_duration"
    except Exception as exc:  # one broken call must not take the process down
        _log.exception("call=%s media loop failed: %s", bridge.log.call_id, type(exc).__name__)
        reason = "error"
    finally:
        await bridge.close(reason)
        state.bridges.discard(bridge)
        state.metrics.calls_active.dec()
    return ws


async def _pump_until_idle(ws: web.WebSocketResponse, bridge: CallBridge, state: WebState, source: str) -> str:
    task = asyncio.current_task()
    assert task is not None
    watch = IdleWatch(state.config.media_idle_seconds)
    try:
        return await _pump(ws, bridge, state, source, watch)
    except asyncio.CancelledError:
        if watch.fired and task.uncancel() == 0:  # our own cancel, not a shutdown or the call's time limit
            return "idle"
        raise
    finally:
        watch.stop()


async def _pump(ws: web.WebSocketResponse, bridge: CallBridge, state: WebState, source: str, watch: IdleWatch) -> str:
    """Feeds Twilio's frames to the bridge until the stream stops; returns why it ended."""
    started = False
    while True:
        msg = await ws.receive()
        watch.touch()
        if msg.type is not WSMsgType.TEXT and msg.type in _CLOSED:
            return "twilio_closed"
        if bridge.closed:
            return "bridge_closed"
        frame = media_frames.parse(msg.data) if msg.type is WSMsgType.TEXT else None
        if frame is None:
            state.metrics.bad_frames.inc()
            continue
        event = frame["event"]
        if event == "media":
            payload = media_frames.media_payload(frame)
            if payload is None:
                state.metrics.bad_frames.inc()
            elif started:
                await bridge.on_media(payload)
        elif event == "mark":
            name = media_frames.mark_name(frame)
            if name is not None:
                bridge.on_mark(name)
        elif event == "start" and not started:
            ctx = _redeem(frame, state, source)
            if ctx is None:
                return "bad_start"
            await bridge.on_start(ctx)
            started = True
        elif event == "dtmf":
            digit = media_frames.dtmf_digit(frame)
            if digit is not None and started:
                bridge.on_dtmf(digit)
        elif event == "stop":
            return "caller_hung_up"
        elif event != "connected":
            state.metrics.bad_frames.inc()


def _redeem(frame: dict[str, object], state: WebState, source: str) -> CallContext | None:
    info = media_frames.start_info(frame)
    if info is None:
        state.metrics.calls_rejected.labels("bad_start").inc()
        return None
    call_sid, stream_sid, params = info
    token = params.pop("token", "")
    if not state.tokens.redeem(call_sid, token):
        state.limiter.fail(source)
        state.metrics.calls_rejected.labels("bad_token").inc()
        _log.warning("call=%s media stream refused: bad or reused stream token", call_sid)
        return None
    caller = params.pop("from", "") or None
    return CallContext(call_sid=call_sid, stream_sid=stream_sid, caller_phone=caller, custom_parameters=params)
