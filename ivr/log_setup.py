"""The process's logging: our packages at LOG_LEVEL, every library at WARNING unless named.

Libraries log what they handle. At DEBUG the websockets library prints frame excerpts (the
caller's transcript, the tools' output with names and addresses), httpx and the openai SDK print
requests, twilio's HTTP client prints request bodies, aiosqlite prints every statement. None of
that may reach the journal because someone turned LOG_LEVEL up to chase a bug in our code, so
LOG_LEVEL applies to the project's own loggers only; a library gets more than WARNING only when
asked by name (LOG_LEVELS="websockets=DEBUG").
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Mapping

OWN_LOGGERS = ("ivr", "lookup", "schedules", "jtext")
# Libraries that log per request or per frame, set to WARNING by name: a library that sets its own
# logger's level (instead of inheriting the root's) would otherwise escape the root's WARNING.
NOISY_LIBRARIES = (
    "aiohttp", "aiohttp.access", "aiohttp.client", "aiohttp.server", "aiohttp.web", "aiohttp.websocket",
    "asyncio", "websockets", "websockets.client", "websockets.server", "openai", "httpx", "httpcore",
    "twilio", "twilio.http_client", "sqlalchemy", "sqlalchemy.engine", "asyncpg", "aiosqlite", "azure",
    "urllib3", "hpack", "multipart", "alembic",
)
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR,
           "CRITICAL": logging.CRITICAL}
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def parse_log_levels(spec: str) -> dict[str, int]:
    """`"websockets=DEBUG, openai=INFO"` -> {logger name: level}; ValueError names the bad entry."""
    levels: dict[str, int] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, level = entry.partition("=")
        name, level = name.strip(), level.strip().upper()
        if not sep or not name or level not in _LEVELS:
            raise ValueError(f"entry {entry[:60]!r} is not NAME=LEVEL (LEVEL one of {', '.join(_LEVELS)})")
        levels[name] = _LEVELS[level]
    return levels


def configure_logging(level: str, named: str = "", *, handlers: Iterable[logging.Handler] | None = None) -> None:
    """Root (and so every library) at WARNING, our packages at `level`, then the named overrides."""
    root = logging.getLogger()
    if handlers is None and not root.handlers:
        stream: logging.Handler = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(FORMAT))
        handlers = [stream]
    for handler in handlers or ():
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    asked = parse_log_levels(named)
    # A library asked for by name gets that level for all of it: its sub-loggers pinned above inherit.
    apply_levels({name: logging.NOTSET if any(name.startswith(a + ".") for a in asked) else logging.WARNING
                  for name in NOISY_LIBRARIES})
    apply_levels({name: _LEVELS[level.upper()] for name in OWN_LOGGERS})
    apply_levels(asked)


def apply_levels(levels: Mapping[str, int]) -> None:
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


def where_it_failed(exc: BaseException) -> str:
    """`module.py:123 in function` of the innermost frame: enough to find the bug, without the
    exception's message or any frame's values (either may quote a transcript or a phone number)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"
