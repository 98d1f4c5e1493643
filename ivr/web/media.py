"""`GET /twilio/media`: the Media Streams socket, one per call.

The upgrade must carry a valid signature over the public wss:// URL, and the `start` frame the
one-time token the webhook issued for that CallSid. Bad frames are counted and skipped; a silent
socket (idle timer) or an over-long call ends only this call.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSMsgType, web

from ivr.bridge.call import CallBridge
from ivr.conversation import CallContext
from ivr.telephony import media_frames
from ivr.telephony.signature import public_url
from ivr.web.state import MAX_MEDIA_MESSAGE, STATE, WebState, source_of

_log = logging.getLogger("ivr.web")
_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


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

    ws = web.WebSocketResponse(max_msg_size=MAX_MEDIA_MESSAGE, autoping=True)
    await ws.prepare(request)
    bridge = CallBridge(
        twilio=ws,
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
        async with asyncio.timeout(state.settings.max_call_seconds):
            reason = await _pump(ws, bridge, state, source)
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


async def _pump(ws: web.WebSocketResponse, bridge: CallBridge, state: WebState, source: str) -> str:
    """Feeds Twilio's frames to the bridge until the stream stops; returns why it ended."""
    idle = state.settings.media_idle_seconds
    started = False
    while True:
        try:
            msg = await ws.receive(timeout=idle)
        except TimeoutError:
            return "idle"
        if msg.type in _CLOSED:
            return "twilio_closed"
        if bridge.closed:
            return "bridge_closed"
        frame = media_frames.parse(msg.data) if msg.type == WSMsgType.TEXT else None
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
