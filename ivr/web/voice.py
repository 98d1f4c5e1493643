"""`POST /twilio/voice`: the incoming-call webhook. Signed requests get `<Connect><Stream>`."""

from __future__ import annotations

import logging

from aiohttp import web

from ivr.prompts.store import DEFAULT_PROMPTS
from ivr.telephony.signature import public_url
from ivr.telephony.twiml import connect_stream, reject_busy
from ivr.web.state import STATE, source_of

_log = logging.getLogger("ivr.web")
TWIML = "text/xml"


async def voice_webhook(request: web.Request) -> web.Response:
    state = request.app[STATE]
    source = source_of(request)
    if state.limiter.blocked(source):
        state.metrics.calls_rejected.labels("source_blocked").inc()
        return web.Response(status=429, text="too many failed attempts")
    form = await request.post()
    if state.public_base is None:
        _log.error("PUBLIC_BASE_URL is not set: webhook signatures cannot be checked, refusing")
        return web.Response(status=403, text="forbidden")
    url = public_url(state.public_base, request.path_qs)
    if not state.signatures.valid(url, form, request.headers):
        state.limiter.fail(source)
        state.metrics.calls_rejected.labels("bad_signature").inc()
        return web.Response(status=403, text="forbidden")
    call_sid = form.get("CallSid")
    if not isinstance(call_sid, str) or not call_sid:
        return web.Response(status=400, text="CallSid missing")
    if state.at_capacity:
        state.metrics.calls_rejected.labels("capacity").inc()
        _log.warning("call=%s refused: at capacity", call_sid)
        return web.Response(text=reject_busy(DEFAULT_PROMPTS.snapshot().line("busy")), content_type=TWIML)
    parameters = {"token": state.tokens.issue(call_sid)}
    caller = form.get("From")
    if isinstance(caller, str) and caller:
        parameters["from"] = caller
    stream_url = public_url(state.public_base, "/twilio/media", websocket=True)
    twiml = connect_stream(stream_url, parameters, fallback_number=state.settings.dispatcher_number)
    _log.info("call=%s webhook accepted", call_sid)
    return web.Response(text=twiml, content_type=TWIML)
