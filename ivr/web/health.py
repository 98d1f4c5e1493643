"""`/healthz` (the process answers), `/readyz` (the database answers and no drain), `/metrics` (Prometheus)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from ivr.web.drain import DRAIN
from ivr.web.multiprocess_metrics import exposition
from ivr.web.state import STATE


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    if request.app[DRAIN].draining:  # after SIGTERM: the balancer must send new calls elsewhere
        return web.json_response({"status": "draining", "calls": len(request.app[STATE].bridges)}, status=503)
    engine = request.app[STATE].engine
    if engine is None:
        return web.json_response({"status": "not ready", "database": "no engine"}, status=503)
    try:
        async with asyncio.timeout(3):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return web.json_response({"status": "not ready", "database": type(exc).__name__}, status=503)
    return web.json_response({"status": "ready", "calls": len(request.app[STATE].bridges)})


async def metrics(request: web.Request) -> web.Response:
    body = exposition(request.app[STATE].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
