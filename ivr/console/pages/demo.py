"""The demo's button (only under `ivr demo --serve`): place another simulated call on this service,
then watch it in 通話."""

from __future__ import annotations

import logging

from aiohttp import web

from ivr.console.guard import signed_in
from ivr.console.state import console_state

log = logging.getLogger("ivr.console")


def register(app: web.Application) -> None:
    app.router.add_post("/demo/call", demo_call)


async def demo_call(request: web.Request) -> web.StreamResponse:
    state = console_state(request)
    if not state.config.demo or state.demo_call is None:
        raise web.HTTPNotFound()
    await state.demo_call()
    log.info("console: user %d placed a demo call", signed_in(request).user_id)
    raise web.HTTPSeeOther("/console/calls")
