"""The console's one door: every request under /console/ passes here before its page.

Without a live session a GET is sent to the sign-in page and anything else is refused (403); only
handlers marked `@public` (the sign-in page) and the static files answer without one. Every
state-changing request must carry the session's CSRF token, compared in constant time: the
`csrf_token` form field, or the `X-CSRF-Token` header for scripts. In a multipart form the token
must be the first field, so it is checked before a byte of the file is read; the reader is left
in the request for the page to go on with (`multipart_reader`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import BodyPartReader, MultipartReader, web

from ivr.console.sessions import COOKIE, SignedIn, find_session
from ivr.console.state import console_state, db

log = logging.getLogger("ivr.console")

STATIC_PREFIX = "/console/static/"
USER: web.RequestKey[SignedIn] = web.RequestKey("console_user", SignedIn)
_MULTIPART: web.RequestKey[MultipartReader] = web.RequestKey("console_multipart", MultipartReader)
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_TOKEN = 256

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)


def public(handler: H) -> H:
    """A page that answers without a session (the sign-in page checks its own token)."""
    handler.console_public = True  # type: ignore[attr-defined]
    return handler


def signed_in(request: web.Request) -> SignedIn:
    """The request's user; the guard has already refused requests without one."""
    user = request.get(USER)
    if not isinstance(user, SignedIn):
        raise web.HTTPForbidden(text="not signed in")
    return user


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        if not signed_in(request).is_admin:
            raise web.HTTPForbidden(text="403: この操作は管理者だけができます。")
        return await handler(request)

    return checked


async def multipart_reader(request: web.Request) -> MultipartReader:
    """The multipart body, past the CSRF field the guard has already read."""
    reader = request.get(_MULTIPART)
    return reader if isinstance(reader, MultipartReader) else await request.multipart()


def tokens_match(submitted: str, expected: str) -> bool:
    return bool(submitted) and hmac.compare_digest(submitted.encode(), expected.encode())


async def submitted_token(request: web.Request) -> str:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header[:_MAX_TOKEN]
    if request.content_type == "application/x-www-form-urlencoded":
        value = (await request.post()).get("csrf_token", "")
        return value[:_MAX_TOKEN] if isinstance(value, str) else ""
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        request[_MULTIPART] = reader
        part = await reader.next()
        if not isinstance(part, BodyPartReader) or part.name != "csrf_token":
            return ""
        value = b""
        while chunk := await part.read_chunk(64):
            value += chunk
            if len(value) > _MAX_TOKEN:
                return ""
        return value.decode("ascii", "replace")
    return ""


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(STATIC_PREFIX) or getattr(handler, "console_public", False):
        return await handler(request)
    state = console_state(request)
    user = await find_session(db(request), request.cookies.get(COOKIE, ""),
                              dt.timedelta(minutes=state.config.idle_minutes))
    if user is None:
        if request.method in _SAFE:
            raise web.HTTPFound("/console/login?next=" + quote(request.path_qs, safe="/"))
        raise web.HTTPForbidden(text="403: サインインしてください。")
    request[USER] = user
    if request.method not in _SAFE and not tokens_match(await submitted_token(request), user.csrf_token):
        log.warning("console: %s %s refused: no valid CSRF token (user %d)", request.method, request.path, user.user_id)
        raise web.HTTPForbidden(text="403: フォームの有効期限が切れました。ページを開き直してください。")
    return await handler(request)


_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """No inline script runs (an escaping slip is still no XSS), no framing, nothing cached."""
    headers: dict[str, Any] = {
        "Content-Security-Policy": _CSP,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if not request.path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers.setdefault(name, value)
