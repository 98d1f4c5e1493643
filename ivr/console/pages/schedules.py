"""予定の取り込み: upload a schedule file (the full page is built in the next commit)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web


def register(app: web.Application) -> None:
    app.router.add_get("/schedules", schedules_page, name="schedules")


async def schedules_page(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template("schedules.html", request, {})
