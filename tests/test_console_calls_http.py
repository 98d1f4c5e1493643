"""The 通話 and ダッシュボード pages over HTTP: what they show, escaping, the follow-up button
(with and without its CSRF token), the live stream's events, and refusal without a session."""

from __future__ import annotations

import asyncio
import json
import re
from html import unescape

from call_console_support import EXPECTED, XSS, seed_day
from console_support import ConsoleServer
from guidance_support import DAY

from ivr.records.call_list import load_rows
from ivr.records.outcome import Outcome
from ivr.records.recorder import CallRecorder

DATE = DAY.isoformat()


async def test_calls_page_lists_the_day_escaped(console_server: ConsoleServer, tmp_path) -> None:
    seeded = await seed_day(console_server.sm, tmp_path)
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        page = await (await c.get(f"/console/calls?date={DATE}")).text()
        for call_id in (seeded.served, seeded.not_found, seeded.person, seeded.hung_up, seeded.live):
            assert f'id="call-{call_id}"' in page
        assert "佐藤 健一" in page and "品川 100 あ 12-34" in page and "1分02秒" in page
        assert "照合できず" in page and "受付時間外" in page  # a transfer reason, the follow-up flag
        assert 'id="live"' not in page  # not today: nothing is live on a past day's page
        call = await (await c.get(f"/console/calls/{seeded.person}")).text()
        assert XSS not in call and "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in call
        assert "本人が配車係を希望" in call
        served = await (await c.get(f"/console/calls/{seeded.served}")).text()
        assert 'class="line aizuchi_ignored"' in served and 'class="line tool_call"' in served
        assert "first_audio" not in served  # bookkeeping stays off the transcript
        missing = await c.get("/console/calls/999999")
        assert missing.status == 404
        bad = await c.get("/console/calls?date=tomorrow")
        assert bad.status == 400


async def test_follow_up_needs_the_token_and_records_who(console_server: ConsoleServer, tmp_path) -> None:
    seeded = await seed_day(console_server.sm, tmp_path)
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        await c.get(f"/console/calls?date={DATE}")
        refused = await c.post(f"/console/calls/{seeded.hung_up}/follow-up", {}, with_token=False)
        assert refused.status == 403
        assert (await load_rows(console_server.sm, ids=[seeded.hung_up]))[0].follow_up_open
        done = await c.post(f"/console/calls/{seeded.hung_up}/follow-up", {"next": f"/console/calls?date={DATE}"},
                            allow_redirects=False)
        assert done.status == 303 and done.headers["Location"] == f"/console/calls?date={DATE}"
        sneaky = await c.post(f"/console/calls/{seeded.hung_up}/follow-up", {"next": "//evil.example/"},
                              allow_redirects=False)
        assert sneaky.headers["Location"] == f"/console/calls/{seeded.hung_up}"
    row = (await load_rows(console_server.sm, ids=[seeded.hung_up]))[0]
    assert not row.follow_up_open and row.follow_up_cleared_by == name


async def test_dashboard_embeds_the_days_figures(console_server: ConsoleServer, tmp_path) -> None:
    await seed_day(console_server.sm, tmp_path)
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        page = await (await c.get(f"/console/dashboard?date={DATE}")).text()
    found = re.search(r'<script type="application/json" id="day-figures">(.*?)</script>', page, re.S)
    assert found is not None
    figures = json.loads(unescape(found.group(1)))
    assert {k: figures[k] for k in EXPECTED} == EXPECTED
    assert "vendor/chart.umd.min.js" in page and "https://" not in page.split("<main>")[1]


async def test_live_stream_sends_a_new_calls_lines(console_server: ConsoleServer, tmp_path) -> None:
    seeded = await seed_day(console_server.sm, tmp_path)
    name, _ = await console_server.add_user()
    async with console_server.client() as c:
        await c.sign_in(name)
        page = await (await c.get("/console/calls")).text()
        stream_url = unescape(re.search(r'data-stream="([^"]+)"', page).group(1))  # type: ignore[union-attr]
        response = await c.http.get(c.base + stream_url)
        assert response.headers["Content-Type"].startswith("text/event-stream")
        rec = CallRecorder(console_server.sm, "CAstream")
        await rec.start(turn_mode="barge_in", schedule_date=DAY)
        rec.add("caller", XSS)
        rec.add("system", "identified", {"driver_id": seeded.sato})
        await rec.flush()
        got: list[dict] = []
        async with asyncio.timeout(10):
            while not any(x["text"] == XSS for u in got for x in u["lines"]):
                raw = await response.content.readline()
                line = raw.decode()
                if line.startswith("data: "):
                    got.append(json.loads(line[6:]))
        calls = [call for u in got for call in u["calls"] if call["id"] == rec.call_id]
        assert calls and calls[-1]["live"] and calls[-1]["driver"] == "佐藤 健一"
        await rec.finish(outcome=Outcome.HUNG_UP, driver_id=seeded.sato, lookup_failures=0)
        async with asyncio.timeout(10):
            while True:
                line = (await response.content.readline()).decode()
                if line.startswith("data: "):
                    ended = [x for x in json.loads(line[6:])["calls"] if x["id"] == rec.call_id]
                    if ended and not ended[0]["live"]:
                        break
        response.close()


async def test_calls_pages_refuse_without_a_session(console_server: ConsoleServer) -> None:
    async with console_server.client() as c:
        for path in ("/console/calls", "/console/calls/1", "/console/calls/live", "/console/dashboard"):
            r = await c.get(path, allow_redirects=False)
            assert r.status == 302 and r.headers["Location"].startswith("/console/login"), path
        r = await c.post("/console/calls/1/follow-up", {}, allow_redirects=False)
        assert r.status == 403
