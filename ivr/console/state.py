"""What the console shares between requests: its config, and a sessionmaker on the service's engine.

The engine belongs to the web app (`WebState.engine`, opened at startup); the console builds one
sessionmaker on it the first time it is asked and keeps it. Nothing per request or per user lives
here: sessions are rows in the shared database, so any instance serves any page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.config import ConsoleConfig
from ivr.web.client_address import TrustedProxies

# Places one more demo call through the stand-ins (only `ivr demo --serve` provides one).
DemoCaller = Callable[[], Awaitable[str]]


@dataclass
class ConsoleState:
    config: ConsoleConfig
    proxies: TrustedProxies
    demo_call: DemoCaller | None = None
    _sessionmakers: dict[int, async_sessionmaker[AsyncSession]] = field(default_factory=dict)

    def sessionmaker_for(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        from schedules.db import make_sessionmaker

        key = id(engine)
        if key not in self._sessionmakers:
            self._sessionmakers[key] = make_sessionmaker(engine)
        return self._sessionmakers[key]


CONSOLE: web.AppKey[ConsoleState] = web.AppKey("ivr_console", ConsoleState)


def console_state(request: web.Request) -> ConsoleState:
    return request.config_dict[CONSOLE]


def db(request: web.Request) -> async_sessionmaker[AsyncSession]:
    """The sessionmaker every console handler uses: the service's own database."""
    from ivr.web.state import STATE

    engine = request.config_dict[STATE].engine
    if engine is None:
        raise web.HTTPServiceUnavailable(text="database not open yet")
    return console_state(request).sessionmaker_for(engine)
