"""`POST /twilio/whisper?call=CallSid`: what the dispatcher hears before a handed-over call connects.

Twilio requests it (the `<Number url>` of the transfer's `<Dial>`) when the dispatcher answers. It
is checked like every Twilio webhook (`signed_form`: the one configured algorithm over
PUBLIC_BASE_URL + path and query + form; 403, then 429 for a source that keeps failing) before
anything is read, so nobody without Twilio's secret learns a driver's name or words from it. The
facts come from the shared database (`ivr.records.handover_facts`), so any instance answers; the
request may arrive while the call's record is still being closed, so it waits up to `WAIT_S` for
that. A signed request for a call without a whisper (unknown, old, never handed over), or one the
database cannot answer, gets an empty `<Response/>`: the dispatcher is connected without a
whisper rather than not at all.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from twilio.twiml.voice_response import VoiceResponse

from ivr.aftercall.transcript import mask_phone_numbers
from ivr.guidance.keypad_entry import unintelligible
from ivr.guidance.person_request import default_rules
from ivr.records.handover_facts import finished, handover_facts
from ivr.telephony.whisper_twiml import WHISPER_PATH, whisper_text, whisper_twiml
from ivr.web.refusals import signed_form
from ivr.web.state import STATE
from ivr.web.voice import MAX_CALL_SID, TWIML

__all__ = ["WHISPER_PATH", "whisper"]
WAIT_S = 3.0
POLL_S = 0.1
_log = logging.getLogger("ivr.web")


async def whisper(request: web.Request) -> web.Response:
    signed = await signed_form(request)
    if isinstance(signed, web.Response):
        return signed
    call_sid = request.query.get("call", "")
    if not call_sid or len(call_sid) > MAX_CALL_SID:
        return web.Response(status=400, text="call missing")
    state = request.app[STATE]
    text = ""
    try:
        if state.engine is None:
            raise RuntimeError("no database engine")
        from schedules.db import make_sessionmaker

        sm = make_sessionmaker(state.engine)
        async with asyncio.timeout(WAIT_S * 2):
            for _ in range(int(WAIT_S / POLL_S)):
                async with sm() as session:
                    if await finished(session, call_sid):
                        break
                await asyncio.sleep(POLL_S)
            async with sm() as session:
                rules = default_rules()
                facts = await handover_facts(session, call_sid, person_request=lambda t: rules.match(t) is not None,
                                             unintelligible=unintelligible, mask=mask_phone_numbers)
        if facts is not None:
            text = whisper_text(facts)
    except Exception as exc:
        _log.warning("call=%s whisper not built: %s", call_sid, type(exc).__name__)
    if not text:
        _log.info("call=%s whisper: nothing to say", call_sid)
        return web.Response(text=str(VoiceResponse()), content_type=TWIML)
    _log.info("call=%s whisper served", call_sid)
    return web.Response(text=whisper_twiml(text), content_type=TWIML)
