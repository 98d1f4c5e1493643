"""`GET /twilio/media`: the Media Streams socket, one per call.

Two checks, because the upgrade's signature is over the fixed `<Stream url>` (the same for every
call, so a copy of it replays forever): the upgrade must carry a valid signature, and then the
`start` frame, within MEDIA_START_SECONDS of the upgrade, must carry the stream token the webhook
issued for that CallSid (`ivr.telephony.stream_tokens`). Only a good token opens the Realtime
session (billed by the minute): its HMAC is checked at once, then the session opens while the
token is spent in the shared database, and closes again if that fails.

A socket that brings no good `start` (none in time, a malformed one, a wrong, expired or spent
token, or a close first) counts against its source; a source with too many of those is refused
at the upgrade even with a valid signature, since only a copy of the upgrade signature gets that
far (an outsider's own Twilio account makes Twilio's addresses fail the signature instead, which
never refuses a signed request). Bad frames are counted and skipped; after `start` only the
caller's audio keeps the socket alive (idle timer), so junk frames cannot hold a call slot.

Frames arrive 50 times a second per call, so once the call has started the caller's audio, the
and the marks are handled as they are read (`MediaFrames` on the socket's `FrameTap`), without
a task in between; keys, `stop` and anything unexpected come out of `receive()` in order, to `_pump`.
Text frames stay bytes for orjson, and the idle timer is one clock read per frame instead of a
timeout context per `receive`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import WSMsgType, web

from ivr.bridge.call import CallBridge
from ivr.bridge.frame_tap import FrameTap, TappedReceiver
from ivr.conversation import CallContext
from ivr.log_setup import where_it_failed
from ivr.telephony import media_frames
from ivr.telephony.signature import public_url
from ivr.web.media_writer import MediaSocketWriter
from ivr.web.refusals import refuse_bad_signature
from ivr.web.state import MAX_MEDIA_MESSAGE, STATE, WebState

_log = logging.getLogger("ivr.web")
_CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)
_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")
# Why a socket ended before a good `start`; all but the database's own failure count against the source.
NOT_COUNTED = frozenset({"token_store_failed"})


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
    if state.public_base is None:
        return web.Response(status=403, text="forbidden")
    url = public_url(state.public_base, "/twilio/media", websocket=True)
    if not state.gate.signatures.valid(url, {}, request.headers):
        return refuse_bad_signature(state, request)
    source = state.gate.source_of(request)
    if state.gate.bad_streams.blocked(source):
        state.metrics.calls_rejected.labels("source_blocked").inc()
        return web.Response(status=429, text="too many failed attempts")
    if state.at_capacity:
        state.metrics.calls_rejected.labels("capacity").inc()
        return web.Response(status=503, text="at capacity")

    ws = web.WebSocketResponse(max_msg_size=MAX_MEDIA_MESSAGE, autoping=True, decode_text=False, compress=False)
    transport = request.transport
    if transport is None:
        return ws  # the caller already hung up
    # Before the 101 goes out, so the tap sees every frame (ivr/bridge/frame_tap.py).
    receiver = TappedReceiver(ws, FrameTap(transport, request.protocol, max_msg_size=MAX_MEDIA_MESSAGE))
    await ws.prepare(request)
    writer = MediaSocketWriter(ws, transport)
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
    reason = "twilio_closed"
    try:
        async with asyncio.timeout(state.config.max_call_seconds):
            refused = await _start(receiver, bridge, state)
            if refused is not None:
                reason = refused
                if refused not in NOT_COUNTED:
                    state.gate.bad_streams.fail(source)
                state.metrics.calls_rejected.labels(refused).inc()
            else:
                reason = await _pump_until_idle(receiver, bridge, state)
        if writer.stalled:
            reason = "twilio_not_reading"
    except TimeoutError:
        reason = "max_call_duration"
    except Exception as exc:  # one broken call must not take the process down
        # No traceback: its frames' source lines and the exception's message may quote what the
        # caller said or a number; the type and the place are enough to find it.
        _log.error("call=%s media loop failed: %s at %s", bridge.log.call_id, type(exc).__name__, where_it_failed(exc))
        reason = "error"
    finally:
        await bridge.close(reason)
        state.bridges.discard(bridge)
        state.metrics.calls_active.dec()
    return ws


async def _start(ws: TappedReceiver, bridge: CallBridge, state: WebState) -> str | None:
    """Waits for `start` and redeems its token; None once the call has started, else why not."""
    try:
        async with asyncio.timeout(state.config.media_start_seconds):
            frame = await _first_start(ws, state)
    except TimeoutError:
        return "no_start"
    if frame is None:
        return "closed_before_start"
    return await _redeem(frame, bridge, state)


async def _first_start(ws: TappedReceiver, state: WebState) -> dict[str, Any] | None:
    """The `start` frame (None if the stream ends first); frames before it other than `connected`
    are counted and dropped: they do not put the deadline off."""
    while True:
        msg = await ws.receive()
        if msg.type is not WSMsgType.TEXT:
            if msg.type in _CLOSED:
                return None
            state.metrics.bad_frames.inc()
            continue
        frame = media_frames.parse(msg.data)
        if frame is not None and frame["event"] == "start":
            return frame
        if frame is not None and frame["event"] == "stop":
            return None
        if frame is None or frame["event"] != "connected":
            state.metrics.bad_frames.inc()


async def _redeem(frame: dict[str, Any], bridge: CallBridge, state: WebState) -> str | None:
    info = media_frames.start_info(frame)
    if info is None:
        return "bad_start"
    call_sid, stream_sid, params = info
    token = params.pop("token", "")
    now = state.gate.wall_clock()
    expires_at = state.gate.signer.verify(call_sid, params, token, now)
    if expires_at is None:
        _log.warning("call=%s media stream refused: bad or expired stream token", _loggable(call_sid))
        return "bad_token"
    bridge.begin()  # the Realtime session opens while the token is spent; closed with the bridge if that fails
    try:
        if state.engine is None:
            raise RuntimeError("no database engine")
        spent = await state.gate.ledger.spend(state.engine, call_sid, expires_at, int(now))
    except Exception as exc:
        _log.warning("call=%s stream token not spent (%s): refused", call_sid, type(exc).__name__)
        return "token_store_failed"
    if not spent:
        _log.warning("call=%s media stream refused: stream token already used", call_sid)
        return "token_reused"
    caller = params.pop("from", "") or None
    await bridge.on_start(CallContext(call_sid=call_sid, stream_sid=stream_sid, caller_phone=caller,
                                      custom_parameters=params))
    return None


def _loggable(call_sid: str) -> str:
    """A CallSid from a frame nobody has vouched for yet: logged only if it looks like one."""
    return call_sid if _CALL_SID.fullmatch(call_sid) else "malformed"


async def _pump_until_idle(ws: TappedReceiver, bridge: CallBridge, state: WebState) -> str:
    task = asyncio.current_task()
    assert task is not None
    watch = IdleWatch(state.config.media_idle_seconds)
    ws.tap.on_text = MediaFrames(bridge, state, watch)
    try:
        return await _pump(ws, bridge, state, watch)
    except asyncio.CancelledError:
        if watch.fired and task.uncancel() == 0:  # our own cancel, not a shutdown or the call's time limit
            return "idle"
        raise
    finally:
        ws.tap.on_text = None
        watch.stop()


class MediaFrames:
    """The frames of a started call handled as they are read: the caller's audio (to a direct
    Realtime link) and marks. Declines (False) keys, `stop`, unknown events, and audio while the
    Realtime session is not on a direct link: `_pump` takes those, in order."""

    def __init__(self, bridge: CallBridge, state: WebState, watch: IdleWatch) -> None:
        self._bridge = bridge
        self._bad_frames = state.metrics.bad_frames
        self._watch = watch

    def __call__(self, data: bytes) -> bool:
        frame = media_frames.parse(data)
        if frame is None:
            self._bad_frames.inc()
            return True
        event = frame["event"]
        bridge = self._bridge
        if bridge.closing:
            return False
        if event == "media":
            payload = media_frames.media_payload(frame)
            if payload is None:
                self._bad_frames.inc()
                return True
            self._watch.touch()
            return bridge.on_media_now(payload)
        if event == "mark":
            name = media_frames.mark_name(frame)
            if name is not None:
                bridge.on_mark(name)
            return True
        return False


async def _pump(ws: TappedReceiver, bridge: CallBridge, state: WebState, watch: IdleWatch) -> str:
    """Feeds Twilio's frames to the bridge until the stream stops; returns why it ended.

    Only the caller's audio touches the idle timer: Twilio streams it without pause for as long as
    the call is up, so a socket sending anything else (marks, junk) is idle all the same.
    """
    while True:
        msg = await ws.receive()
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
            else:
                watch.touch()
                await bridge.on_media(payload)
        elif event == "mark":
            name = media_frames.mark_name(frame)
            if name is not None:
                bridge.on_mark(name)
        elif event == "dtmf":
            digit = media_frames.dtmf_digit(frame)
            if digit is not None:
                bridge.on_dtmf(digit)
        elif event == "stop":
            return "caller_hung_up"
        else:
            state.metrics.bad_frames.inc()
