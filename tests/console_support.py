"""Fixtures and helpers for console tests: a running service with its console, users, an HTTP
client that signs in and carries the CSRF token, and a Chromium page driven by Playwright.

The fixtures are registered for every test by tests/conftest.py (`pytest_plugins`); import the
helpers you need: `from console_support import ConsoleServer, shot, sign_in_page`.

`console_server` runs the real app (`ivr.web.app.create_app`, as `ivr serve` does) on a free
127.0.0.1 port on the test's emptied, migrated database: once per backend (SQLite and
PostgreSQL) like every database test. Browser tests use the same fixture, so they run on both
backends too; set IVR_TEST_BACKENDS=sqlite to run one.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.config import ConsoleConfig
from ivr.console.users import add_user
from ivr.conversation import CallContext, Conversation
from ivr.sim.harness import RunningService, sim_settings, start_service
from schedules.db import make_sessionmaker

CHROMIUM = os.environ.get("IVR_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "correct horse battery"  # every test user's password unless a test picks one
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _no_calls(ctx: CallContext) -> Conversation:
    raise RuntimeError("console tests place no calls; use ivr.sim.harness with a real factory for that")


@dataclass
class ConsoleServer:
    url: str  # http://127.0.0.1:PORT (the console is at url + "/console/")
    service: RunningService
    engine: AsyncEngine
    sm: async_sessionmaker[AsyncSession]

    async def add_user(self, name: str | None = None, role: str = "dispatcher",
                       password: str = PASSWORD) -> tuple[str, str]:
        """A new user; returns (name, password)."""
        name = name or f"{role}{secrets.token_hex(3)}"
        await add_user(self.sm, name, role, password)
        return name, password

    def client(self) -> ConsoleClient:
        return ConsoleClient(self.url)


class ConsoleClient:
    """aiohttp with a cookie jar: `sign_in`, then `get` and `post` (which adds the page's CSRF token)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf_token = ""

    async def __aenter__(self) -> ConsoleClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()

    async def get(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        response = await self.http.get(self.base + path, **kw)
        if match := _TOKEN.search(await response.text()):
            self.csrf_token = match.group(1)
        return response

    async def post(self, path: str, data: Any = None, *, with_token: bool = True, **kw: Any) -> aiohttp.ClientResponse:
        """Form fields in `data` (a dict) get `csrf_token` added first; an aiohttp.FormData is sent as built."""
        if isinstance(data, dict) or data is None:
            fields = {"csrf_token": self.csrf_token} if with_token else {}
            fields.update(data or {})
            data = fields
        return await self.http.post(self.base + path, data=data, **kw)

    async def sign_in(self, name: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        await self.get("/console/login")
        response = await self.post("/console/login", {"username": name, "password": password})
        await self.get("/console/schedules")  # the session's own token, for the next POST
        return response


def console_config(**overrides: Any) -> ConsoleConfig:
    """The console's config as tests run it: plain-http cookies (the server is http://127.0.0.1)."""
    base = ConsoleConfig.from_settings(sim_settings("ws://127.0.0.1:9/v1"))
    return dataclasses.replace(base, **{"secure_cookies": False, **overrides})


async def start_console(db_url: str, engine: AsyncEngine, config: ConsoleConfig | None = None,
                        **service_kw: Any) -> ConsoleServer:
    settings = sim_settings("ws://127.0.0.1:9/v1", database_url=db_url)
    service = await start_service(settings, service_kw.pop("factory", _no_calls), engine=engine,
                                  console=config or console_config(), **service_kw)
    return ConsoleServer(service.url, service, engine, make_sessionmaker(engine))


@pytest.fixture
async def console_server(db_url: str, engine: AsyncEngine) -> AsyncIterator[ConsoleServer]:
    """The service with its console on a free port, on this test's empty database (both backends)."""
    server = await start_console(db_url, engine)
    try:
        yield server
    finally:
        await server.service.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium (Debian's) for the session."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser context (no cookies) at 1280×800, Japanese locale."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    tab = await context.new_page()
    yield tab
    await context.close()


async def sign_in_page(page: Any, server: ConsoleServer, name: str, password: str = PASSWORD) -> None:
    await page.goto(server.url + "/console/login")
    await page.fill("input[name=username]", name)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/console/(?!login).*"))


async def _signed_in_as(page: Any, server: ConsoleServer, role: str) -> Any:
    name, password = await server.add_user(role=role)
    await sign_in_page(page, server, name, password)
    page.console_user = name
    return page


@pytest.fixture
async def signed_in_page(page: Any, console_server: ConsoleServer) -> Any:
    """`page` signed in as a new dispatcher (`page.console_user` holds the name)."""
    return await _signed_in_as(page, console_server, "dispatcher")


@pytest.fixture
async def admin_page(page: Any, console_server: ConsoleServer) -> Any:
    """`page` signed in as a new admin (`page.console_user` holds the name)."""
    return await _signed_in_as(page, console_server, "admin")


async def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as tests/artifacts/NAME.png (git-ignored) for a reviewer; returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path
