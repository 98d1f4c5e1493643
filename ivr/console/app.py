"""The console as an aiohttp sub-application mounted at /console/ on the service's app.

A sub-application gives the console its own middleware (the sign-in and CSRF guard), templates
and static files without touching the Twilio routes. Page modules in `ivr/console/pages/` are
found and registered here; each has `register(app)` adding its routes.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ivr.config import ConsoleConfig
from ivr.console import pages
from ivr.console.guard import USER, guard, security_headers
from ivr.console.nav import NAV
from ivr.console.state import CONSOLE, ConsoleState, DemoCaller, console_state
from ivr.web.client_address import TrustedProxies

HERE = Path(__file__).resolve().parent


def register_pages(app: web.Application) -> None:
    """Every module in ivr/console/pages/ registers its own routes: a new page is a new file."""
    for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pages.__name__}.{info.name}").register(app)


async def console_context(request: web.Request) -> dict[str, Any]:
    """What every template sees: the user (None on the sign-in page), the form token, the nav."""
    user = request.get(USER)
    return {
        "user": user,
        "csrf_token": getattr(user, "csrf_token", ""),
        "nav": [(path, label) for path, label, admin in NAV if not admin or getattr(user, "is_admin", False)],
        "current_path": request.path,
        "demo": console_state(request).config.demo,
    }


def build_console(config: ConsoleConfig, demo_call: DemoCaller | None = None) -> web.Application:
    console = web.Application(middlewares=[guard])
    console[CONSOLE] = ConsoleState(config, TrustedProxies.from_spec(config.trusted_proxies), demo_call)
    aiohttp_jinja2.setup(
        console,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        context_processors=[console_context],
    )
    static = console.router.add_static("/static/", HERE / "static", name="static", append_version=True)
    aiohttp_jinja2.get_env(console).globals["static"] = lambda name: str(static.url_for(filename=name))
    register_pages(console)
    console.on_response_prepare.append(security_headers)
    return console


def install_console(app: web.Application, config: ConsoleConfig, demo_call: DemoCaller | None = None) -> None:
    """Mount the console under /console/ (and send /console to /console/)."""

    async def to_console(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/console/")

    app.router.add_get("/console", to_console)
    app.add_subapp("/console", build_console(config, demo_call))
