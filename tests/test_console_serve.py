"""The console in a real `ivr serve --workers 2` (gunicorn's workers build the app the same way):
the sign-in, and a session that every worker knows (it lives in the database)."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
from console_support import PASSWORD
from process_support import serving

from ivr.console.users import add_user
from schedules.db import make_engine, make_sessionmaker


def _cookie(response: aiohttp.ClientResponse, name: str) -> str:
    """The cookie's name=value, read by hand: PUBLIC_BASE_URL is https, so it is Secure and a plain-http
    client would not send it back."""
    header = next(v for v in response.headers.getall("Set-Cookie") if v.startswith(name + "="))
    assert "Secure" in header and "HttpOnly" in header
    return header.split(";", 1)[0]


async def test_console_is_served_by_every_worker(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    try:
        await add_user(make_sessionmaker(engine), "kato", "dispatcher", PASSWORD)
    finally:
        await engine.dispose()
    async with serving(db_url, tmp_path, workers=2) as (_, server), \
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        async with http.get(server.url + "/console/", allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"].startswith("/console/login")
        async with http.get(server.url + "/console/login") as r:
            login_cookie = _cookie(r, "ivr_console_login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', await r.text()).group(1)  # type: ignore[union-attr]
        async with http.post(server.url + "/console/login", headers={"Cookie": login_cookie}, allow_redirects=False,
                             data={"csrf_token": token, "username": "kato", "password": PASSWORD}) as r:
            assert r.status == 303
            session = _cookie(r, "ivr_console")
        for _ in range(20):  # a new connection each time: either worker may answer
            async with http.get(server.url + "/console/schedules", headers={"Cookie": session},
                                allow_redirects=False) as r:
                assert r.status == 200 and "kato" in await r.text()
        async with http.get(server.url + "/healthz") as r:
            assert r.status == 200  # the service's routes are not behind the console
