"""`/healthz` (the process answers), `/readyz` (it can take calls), `/metrics` (Prometheus).

The first two are for load balancers and orchestrators, which cannot authenticate, so they say
no more than yes or no: why a replica is not ready goes to the log, and how many calls it
carries goes to the metrics. `/metrics` (call volume, refusals by reason) is for the operator
only: served on the public port only with a bearer token (METRICS_TOKEN), and on its own
listener when METRICS_PORT is set (a port the ingress does not expose; the token, when set, is
asked for there too). Under `ivr serve --workers N` any worker answers a scrape with every
worker's values (`ivr.web.multiprocess_metrics`).
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from ivr.web.drain import DRAIN
from ivr.web.multiprocess_metrics import exposition
from ivr.web.state import STATE, WebState

_log = logging.getLogger("ivr.web")
READY_TIMEOUT_S = 3.0


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    # After SIGTERM the balancer must send new calls elsewhere, whatever the database says.
    problem = "draining" if request.app[DRAIN].draining else await _not_ready(state)
    if problem != state.last_readiness_problem:  # logged when it changes, not at every probe
        state.last_readiness_problem = problem
        if problem:
            _log.warning("not ready: %s", problem)
        else:
            _log.info("ready")
    if problem == "draining":
        return web.json_response({"status": "draining"}, status=503)
    if problem:
        return web.json_response({"status": "not ready"}, status=503)
    return web.json_response({"status": "ready"})


async def _not_ready(state: WebState) -> str:
    if state.engine is None:
        return "no database engine"
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"database {type(exc).__name__}"
    return ""


async def metrics(request: web.Request) -> web.Response:
    """404 on the public port without METRICS_TOKEN (as if there were no such page), 401 without
    the right bearer token."""
    state = request.app[STATE]
    token = state.config.metrics_token
    if token is None:
        if not request.app.get(METRICS_ONLY, False):
            raise web.HTTPNotFound()
    elif not _bearer_matches(request.headers.get("Authorization", ""), token):
        return web.Response(status=401, text="unauthorized", headers={"WWW-Authenticate": "Bearer"})
    body = exposition(state.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


METRICS_ONLY: web.AppKey[bool] = web.AppKey("ivr_metrics_only", bool)


def create_metrics_app(main: web.Application) -> web.Application:
    """The METRICS_PORT listener: /metrics of `main`'s registry, and nothing else."""
    app = web.Application()
    app[STATE] = main[STATE]
    app[METRICS_ONLY] = True
    app.router.add_get("/metrics", metrics)
    return app
