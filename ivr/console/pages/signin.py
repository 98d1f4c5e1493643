"""Signing in and out.

The sign-in form is a form like any other and carries a CSRF token, though there is no session
yet: the token is also set in a short-lived cookie of its own and the two must match (a site
that cannot read our cookies cannot sign a browser in as someone else). A failed sign-in counts
against the name and the client's address (`SignInThrottle`); the logs carry user ids, never the
name typed or the password.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

import aiohttp_jinja2
from aiohttp import web

from ivr.console.guard import public, signed_in, tokens_match
from ivr.console.sessions import COOKIE, end_session, find_session, start_session, token_key
from ivr.console.state import console_state, db
from ivr.console.throttle import SignInLimits, SignInThrottle
from ivr.console.users import authenticate

log = logging.getLogger("ivr.console")

LOGIN_COOKIE = "ivr_console_login"
WRONG = "ユーザー名またはパスワードが違います。"
THROTTLED = "サインインの失敗が続いたため、しばらく受け付けません。時間をおいてからお試しください。"


def register(app: web.Application) -> None:
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_get("/", home, name="home")


def safe_next(target: str) -> str:
    """Only a console path: never another site (`//evil`, `/\\evil`) after signing in."""
    if target.startswith("/console/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target
    return "/console/"


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, **extra: object) -> None:
    response.set_cookie(name, value, path="/console/", httponly=True, samesite="Lax",
                        secure=console_state(request).config.secure_cookies, **extra)  # type: ignore[arg-type]


def _form(request: web.Request, error: str = "", status: int = 200, name: str = "") -> web.Response:
    # The browser's token is kept if it has one, so two sign-in tabs do not undo each other.
    kept = request.cookies.get(LOGIN_COOKIE, "")
    token = kept if re.fullmatch(r"[A-Za-z0-9_\-]{43}", kept) else secrets.token_urlsafe(32)
    response = aiohttp_jinja2.render_template(
        "login.html", request,
        {"error": error, "login_token": token, "username": name, "next": safe_next(request.query.get("next", ""))},
        status=status,
    )
    set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
    return response


@public
async def login_page(request: web.Request) -> web.StreamResponse:
    idle = dt.timedelta(minutes=console_state(request).config.idle_minutes)
    if await find_session(db(request), request.cookies.get(COOKIE, ""), idle) is not None:
        raise web.HTTPFound(safe_next(request.query.get("next", "")))
    return _form(request)


@public
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token, name, password = (str(form.get(k, "")) for k in ("csrf_token", "username", "password"))
    if not tokens_match(token, request.cookies.get(LOGIN_COOKIE, "")):
        log.warning("console: sign-in refused: no valid CSRF token")
        raise web.HTTPForbidden(text="403: フォームの有効期限が切れました。サインインのページを開き直してください。")
    state = console_state(request)
    config = state.config
    sm = db(request)
    throttle = SignInThrottle(sm, SignInLimits(config.max_failures_per_name, config.max_failures_per_address,
                                               dt.timedelta(seconds=config.failure_window_seconds)))
    client = state.proxies.client_key(request.remote, request.headers.getall("X-Forwarded-For", []))
    name = name.strip()[:64]
    if await throttle.blocked(name, client):
        log.warning("console: sign-in refused: too many failures")
        return _form(request, THROTTLED, status=429, name=name)
    user_id = await authenticate(sm, name, password)
    if user_id is None:
        await throttle.failed(name, client)
        log.info("console: sign-in failed")
        return _form(request, WRONG, status=401, name=name)
    await throttle.succeeded(name)
    old = request.cookies.get(COOKIE, "")
    if old:  # never carry a session over from before signing in (fixation)
        await end_session(sm, token_key(old))
    session_token = await start_session(sm, user_id)
    log.info("console: user %d signed in", user_id)
    response = web.HTTPSeeOther(safe_next(str(form.get("next", ""))))
    set_cookie(response, request, COOKIE, session_token)
    response.del_cookie(LOGIN_COOKIE, path="/console/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    await end_session(db(request), user.session_id)
    log.info("console: user %d signed out", user.user_id)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(COOKIE, path="/console/")
    raise response


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/console/schedules")
