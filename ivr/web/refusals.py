"""The door of every Twilio webhook (the voice webhook, the SMS delivery reports): its signature
checked before anything else is read, and the answers to requests turned away there, each counted
against its source.

Only failures are counted. A source that keeps failing gets 429 instead of 403: the same refusal,
told apart in the metrics (`source_blocked`), since a request with a good signature is never
refused by the limiter.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from aiohttp import web
from multidict import MultiDictProxy

from ivr.telephony.signature import public_url
from ivr.web.state import STATE, WebState

_log = logging.getLogger("ivr.web")


class Signed(NamedTuple):
    form: MultiDictProxy[str | bytes | bytearray | web.FileField]
    public_base: str  # PUBLIC_BASE_URL, which the signature was checked against


async def signed_form(request: web.Request) -> Signed | web.Response:
    """The form of a Twilio webhook whose signature holds (over PUBLIC_BASE_URL + path and every
    field, with the one configured algorithm), or the refusal to answer it with."""
    state = request.app[STATE]
    base = state.public_base
    if base is None:
        _log.error("PUBLIC_BASE_URL is not set: webhook signatures cannot be checked, refusing")
        return web.Response(status=403, text="forbidden")
    try:
        form = await request.post()
    except ValueError:  # a body that is not a form cannot carry a valid signature either
        return refuse_bad_signature(state, request)
    if not state.gate.signatures.valid(public_url(base, request.path_qs), form, request.headers):
        return refuse_bad_signature(state, request)
    return Signed(form, base)


def refuse_bad_signature(state: WebState, request: web.Request) -> web.Response:
    """403, counted against the source; 429 once the source has failed too often."""
    source = state.gate.source_of(request)
    blocked = state.gate.bad_signatures.blocked(source)
    state.gate.bad_signatures.fail(source)
    state.metrics.calls_rejected.labels("source_blocked" if blocked else "bad_signature").inc()
    if blocked:
        return web.Response(status=429, text="too many failed attempts")
    return web.Response(status=403, text="forbidden")
