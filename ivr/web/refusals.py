"""Answers to requests turned away at the door, each counted against its source.

Only failures reach here. A source that keeps failing gets 429 instead of 403: the same refusal,
told apart in the metrics (`source_blocked`), since a request with a good signature is never
refused by the limiter.
"""

from __future__ import annotations

from aiohttp import web

from ivr.web.state import WebState


def refuse_bad_signature(state: WebState, request: web.Request) -> web.Response:
    """403, counted against the source; 429 once the source has failed too often."""
    source = state.gate.source_of(request)
    blocked = state.gate.bad_signatures.blocked(source)
    state.gate.bad_signatures.fail(source)
    state.metrics.calls_rejected.labels("source_blocked" if blocked else "bad_signature").inc()
    if blocked:
        return web.Response(status=429, text="too many failed attempts")
    return web.Response(status=403, text="forbidden")
