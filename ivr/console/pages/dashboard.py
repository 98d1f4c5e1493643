"""ダッシュボード: one day's calls in charts (what they count: ivr/records/dashboard.py).

The figures are computed on the server and embedded in the page as JSON (a data block, which the
console's Content-Security-Policy lets through because it never runs); `dashboard.js` draws them
with the Chart.js files shipped in static/vendor/. Nothing is fetched from anywhere else.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from ivr.console.pages.calls import chosen_day, depot_zone
from ivr.console.state import db
from ivr.records.dashboard_query import day_figures


def register(app: web.Application) -> None:
    app.router.add_get("/dashboard", dashboard_page, name="dashboard")


async def dashboard_page(request: web.Request) -> web.StreamResponse:
    tz = depot_zone(request)
    day, today = chosen_day(request, tz)
    figures = await day_figures(db(request), day, tz)
    return aiohttp_jinja2.render_template("dashboard.html", request, {
        "day": day, "is_today": day == today, "figures": figures.as_json(),
    })
