"""`POST /twilio/voice`: the incoming-call webhook. Signed requests get `<Connect><Stream>`.

The signature is checked before anything else is decided, and a request with a good one is never
refused by the per-source limiter: the limiter only counts (and answers 429 instead of 403 to)
requests that fail it, so nobody can lock genuine calls out without Twilio's secret.

A CallSid gets one stream token, ever (while its row is kept, see `ivr.telephony.token_ledger`). A
second webhook for the same call (a replay of a captured request, or Twilio retrying one whose
answer was lost) is answered with the dispatcher fallback and no token: it can neither replace the
live call's token nor compete with it.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ivr.prompts.store import DEFAULT_PROMPTS
from ivr.telephony.signature import public_url
from ivr.telephony.twiml import connect_stream, dial, reject_busy
from ivr.web.refusals import signed_form
from ivr.web.state import STATE, WebState

_log = logging.getLogger("ivr.web")
TWIML = "text/xml"
MAX_CALL_SID = 64


async def voice_webhook(request: web.Request) -> web.Response:
    state = request.app[STATE]
    signed = await signed_form(request)
    if isinstance(signed, web.Response):
        return signed
    form = signed.form
    call_sid = form.get("CallSid")
    if not isinstance(call_sid, str) or not call_sid or len(call_sid) > MAX_CALL_SID:
        return web.Response(status=400, text="CallSid missing")
    if state.at_capacity:
        state.metrics.calls_rejected.labels("capacity").inc()
        _log.warning("call=%s refused: at capacity", call_sid)
        return web.Response(text=reject_busy(DEFAULT_PROMPTS.snapshot().line("busy")), content_type=TWIML)
    parameters: dict[str, str] = {}
    caller = form.get("From")
    if isinstance(caller, str) and caller:
        parameters["from"] = caller
    now = state.gate.wall_clock()
    issued = state.gate.signer.issue(call_sid, parameters, now)
    try:
        if state.engine is None:
            raise RuntimeError("no database engine")
        first = await state.gate.ledger.issue(state.engine, call_sid, issued.expires_at, int(now))
    except Exception as exc:
        state.metrics.calls_rejected.labels("token_store_failed").inc()
        _log.warning("call=%s stream token not recorded (%s): handed to the dispatcher", call_sid, type(exc).__name__)
        return web.Response(text=_fallback(state), content_type=TWIML)
    if not first:
        state.metrics.calls_rejected.labels("repeated_webhook").inc()
        _log.warning("call=%s repeated webhook: no second stream token", call_sid)
        return web.Response(text=_fallback(state), content_type=TWIML)
    parameters["token"] = issued.token
    stream_url = public_url(signed.public_base, "/twilio/media", websocket=True)
    twiml = connect_stream(stream_url, parameters, fallback_number=state.config.dispatcher_number)
    _log.info("call=%s webhook accepted", call_sid)
    return web.Response(text=twiml, content_type=TWIML)


def _fallback(state: WebState) -> str:
    number = state.config.dispatcher_number
    return dial(number) if number else reject_busy(DEFAULT_PROMPTS.snapshot().line("busy"))
