"""The console's door: sessions, sign-in and sign-out, CSRF, throttling, idle timeout (over HTTP)."""

from __future__ import annotations

import datetime as dt

from console_support import PASSWORD, ConsoleClient, ConsoleServer, console_config, start_console
from sqlalchemy import func, select, update

from ivr.console.models import ConsoleLoginFailure, ConsoleSession
from ivr.console.users import disable_user


async def _count(server: ConsoleServer, model: type) -> int:
    async with server.sm() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_console_without_a_session_redirects_to_sign_in(console_server: ConsoleServer) -> None:
    async with console_server.client() as c:
        for path in ("/console/", "/console", "/console/schedules", "/console/no-such-page"):
            r = await c.http.get(c.base + path, allow_redirects=False)
            if path == "/console":
                assert r.status == 302 and r.headers["Location"] == "/console/"
                continue
            assert r.status == 302, path
            assert r.headers["Location"].startswith("/console/login"), path


async def test_post_without_a_session_is_refused(console_server: ConsoleServer) -> None:
    async with console_server.client() as c:
        r = await c.http.post(c.base + "/console/logout", data={"csrf_token": "x"}, allow_redirects=False)
        assert r.status == 403
        r = await c.http.post(c.base + "/console/schedules/upload", data={"csrf_token": "x"}, allow_redirects=False)
        assert r.status == 403


async def test_service_routes_are_not_behind_the_console(console_server: ConsoleServer) -> None:
    async with console_server.client() as c:
        assert (await c.http.get(c.base + "/healthz")).status == 200


async def test_sign_in_sets_a_hardened_cookie_and_sign_out_deletes_the_session(console_server: ConsoleServer) -> None:
    name, password = await console_server.add_user()
    async with console_server.client() as c:
        await c.get("/console/login")
        r = await c.post("/console/login", {"username": name, "password": password}, allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/console/"
        cookie = next(v for v in r.headers.getall("Set-Cookie") if v.startswith("ivr_console="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console/" in cookie
        assert "Secure" not in cookie  # the test server is plain http
        assert await _count(console_server, ConsoleSession) == 1
        page = await c.get("/console/schedules")
        assert page.status == 200 and name in await page.text()
        r = await c.post("/console/logout", allow_redirects=False)
        assert r.status == 303
        assert await _count(console_server, ConsoleSession) == 0
        r = await c.http.get(c.base + "/console/schedules", allow_redirects=False)
        assert r.status == 302


async def test_cookie_is_secure_when_the_public_url_is_https(db_url: str, engine: object) -> None:
    server = await start_console(db_url, engine, console_config(secure_cookies=True))  # type: ignore[arg-type]
    try:
        name, password = await server.add_user()
        async with server.client() as c:
            page = await c.get("/console/login")
            login_cookie = page.headers["Set-Cookie"]
            assert "Secure" in login_cookie
            value = login_cookie.split(";", 1)[0]  # a plain-http client keeps no Secure cookie: send it back by hand
            r = await c.http.post(c.base + "/console/login", headers={"Cookie": value}, allow_redirects=False,
                                  data={"csrf_token": c.csrf_token, "username": name, "password": password})
            cookie = next(v for v in r.headers.getall("Set-Cookie") if v.startswith("ivr_console="))
            assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        await server.service.close()


async def test_wrong_password_is_refused_and_logged_without_the_name(
        console_server: ConsoleServer, caplog: object) -> None:
    name, _ = await console_server.add_user(name="tanaka")
    async with console_server.client() as c:
        await c.get("/console/login")
        r = await c.post("/console/login", {"username": name, "password": "wrong password!"}, allow_redirects=False)
        assert r.status == 401
        assert "ユーザー名またはパスワードが違います" in await r.text()
        assert await _count(console_server, ConsoleSession) == 0
    assert "tanaka" not in caplog.text and "wrong password" not in caplog.text  # type: ignore[attr-defined]


async def test_sign_in_without_the_form_token_is_refused(console_server: ConsoleServer) -> None:
    name, password = await console_server.add_user()
    async with console_server.client() as c:
        await c.get("/console/login")
        r = await c.post("/console/login", {"username": name, "password": password}, with_token=False,
                         allow_redirects=False)
        assert r.status == 403
        r = await c.post("/console/login", {"username": name, "password": password, "csrf_token": "forged"},
                         with_token=False, allow_redirects=False)
        assert r.status == 403
        assert await _count(console_server, ConsoleSession) == 0


async def test_post_without_the_csrf_token_is_refused(console_server: ConsoleServer) -> None:
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        r = await c.post("/console/logout", with_token=False, allow_redirects=False)
        assert r.status == 403
        r = await c.post("/console/logout", {"csrf_token": "not-the-token"}, with_token=False, allow_redirects=False)
        assert r.status == 403
        assert await _count(console_server, ConsoleSession) == 1  # still signed in: nothing was done
        r = await c.post("/console/logout", allow_redirects=False)
        assert r.status == 303


async def test_next_page_after_sign_in_stays_in_the_console(console_server: ConsoleServer) -> None:
    name, password = await console_server.add_user()
    async with console_server.client() as c:
        await c.get("/console/login?next=//evil.example/")
        r = await c.post("/console/login", {"username": name, "password": password, "next": "//evil.example/"},
                         allow_redirects=False)
        assert r.headers["Location"] == "/console/"


async def test_idle_session_ends(console_server: ConsoleServer) -> None:
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        async with console_server.sm() as s, s.begin():
            await s.execute(update(ConsoleSession).values(
                last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)))
        r = await c.http.get(c.base + "/console/schedules", allow_redirects=False)
        assert r.status == 302 and r.headers["Location"].startswith("/console/login")
        assert await _count(console_server, ConsoleSession) == 0


async def test_disabling_a_user_ends_their_sessions(console_server: ConsoleServer) -> None:
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        await disable_user(console_server.sm, name)
        r = await c.http.get(c.base + "/console/schedules", allow_redirects=False)
        assert r.status == 302
        await c.get("/console/login")
        r = await c.post("/console/login", {"username": name, "password": PASSWORD}, allow_redirects=False)
        assert r.status == 401


async def _fail_sign_ins(client: ConsoleClient, names: list[str]) -> list[int]:
    statuses = []
    for name in names:
        await client.get("/console/login")
        statuses.append((await client.post("/console/login", {"username": name, "password": "nope nope nope"})).status)
    return statuses


async def test_repeated_failures_throttle_sign_in_across_instances(db_url: str, engine: object) -> None:
    """Failures are counted in the database: three on one instance block the right password on another."""
    config = console_config(max_failures_per_name=3, max_failures_per_address=100)
    first = await start_console(db_url, engine, config)  # type: ignore[arg-type]
    second = await start_console(db_url, engine, config)  # type: ignore[arg-type]
    try:
        name, password = await first.add_user()
        async with first.client() as c:
            assert await _fail_sign_ins(c, [name] * 3) == [401] * 3
        async with second.client() as c:
            await c.get("/console/login")
            r = await c.post("/console/login", {"username": name, "password": password}, allow_redirects=False)
            assert r.status == 429
            assert "しばらく" in await r.text()
        assert await _count(first, ConsoleSession) == 0
        assert await _count(first, ConsoleLoginFailure) == 6  # per name and per address
    finally:
        await first.service.close()
        await second.service.close()


async def test_failures_from_one_address_throttle_every_name(db_url: str, engine: object) -> None:
    config = console_config(max_failures_per_name=100, max_failures_per_address=3)
    server = await start_console(db_url, engine, config)  # type: ignore[arg-type]
    try:
        name, password = await server.add_user()
        async with server.client() as c:
            assert await _fail_sign_ins(c, ["guess1", "guess2", "guess3"]) == [401] * 3
            await c.get("/console/login")
            r = await c.post("/console/login", {"username": name, "password": password}, allow_redirects=False)
            assert r.status == 429
    finally:
        await server.service.close()


async def test_demo_button_is_not_there_outside_the_demo(console_server: ConsoleServer) -> None:
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        assert "デモ通話" not in await (await c.get("/console/schedules")).text()
        r = await c.post("/console/demo/call", allow_redirects=False)
        assert r.status == 404


async def test_two_sign_in_tabs_do_not_undo_each_other(console_server: ConsoleServer) -> None:
    name, password = await console_server.add_user()
    async with console_server.client() as c:
        await c.get("/console/login")
        first = c.csrf_token
        await c.get("/console/login")  # a second tab
        r = await c.post("/console/login", {"username": name, "password": password, "csrf_token": first},
                         with_token=False, allow_redirects=False)
        assert r.status == 303
