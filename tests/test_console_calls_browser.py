"""The 通話 and ダッシュボード pages in a real browser (Debian's Chromium, Playwright).

- the day's calls and a transcript, with its marks, and a caller's `<script>` shown as text;
- a simulated call (the real service, bridge and conversation; the Realtime stand-in as the model
  and the Twilio caller simulator as the driver) appearing on the open page and growing, then ending;
- a handed-over call in progress, highlighted first with its transcript so far, still growing;
- the dashboard drawn from recorded calls: the data each chart holds, read back from Chart.js.
Each saves its screenshots under tests/artifacts/.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from call_console_support import EXPECTED, LIVE, XSS, seed_day
from console_support import ConsoleServer, console_config, shot, sign_in_page, start_console
from guidance_support import DAY, load_days

from ivr.config import GuidanceConfig
from ivr.guidance.factory import build_factory
from ivr.records.outcome import Outcome
from ivr.records.recorder import CallRecorder
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scenarios import play_call, served_with_correction
from ivr.sim.twilio_caller import TwilioCaller
from schedules.db import make_sessionmaker

DATE = DAY.isoformat()


async def test_calls_list_and_a_transcript(signed_in_page: Any, console_server: ConsoleServer, tmp_path) -> None:
    page = signed_in_page
    seeded = await seed_day(console_server.sm, tmp_path)
    await page.goto(f"{console_server.url}/console/calls?date={DATE}")
    rows = page.locator("#calls tbody tr")
    assert await rows.count() == 5
    served = page.locator(f"#call-{seeded.served}")
    assert await served.locator(".driver").inner_text() == "佐藤 健一"
    assert await served.locator(".outcome").inner_text() == "案内済み"
    assert await served.locator(".duration").inner_text() == "1分02秒"
    assert await page.locator(f"#call-{seeded.not_found} .reason").inner_text() == "照合できず"
    assert await page.locator(f"#call-{seeded.hung_up} .follow button").inner_text() == "対応済みにする"
    await shot(page, "calls-list")
    await page.set_viewport_size({"width": 820, "height": 1180})  # a tablet: the table scrolls sideways
    assert await page.locator("#calls-wrap").evaluate("e => e.scrollWidth <= e.clientWidth + 1 || "
                                                      "getComputedStyle(e).overflowX === 'auto'")
    await shot(page, "calls-list-tablet")
    await page.set_viewport_size({"width": 1280, "height": 800})

    await page.click(f"#call-{seeded.hung_up} .follow button")  # a CSRF-protected POST, back to the list
    await page.wait_for_url(f"**/console/calls?date={DATE}")
    assert page.console_user in await page.locator(f"#call-{seeded.hung_up} .follow").inner_text()

    await page.click(f"#call-{seeded.person} a.open")
    await page.wait_for_url(f"**/console/calls/{seeded.person}")
    caller_line = page.locator("#transcript .line.caller .text")
    assert await caller_line.inner_text() == f"担当の人に代わって {XSS}"  # shown as text
    assert await page.evaluate("window.__xss") is None  # and never run
    assert await page.locator("#call .reason").inner_text() == "本人が配車係を希望"

    await page.goto(f"{console_server.url}/console/calls/{seeded.not_found}")
    kinds = await page.locator("#transcript .line").evaluate_all("els => els.map(e => e.className)")
    assert kinds.count("line tool_call") == 3 and kinds.count("line interruption") == 1
    assert await page.locator("#transcript .line.interruption .who").inner_text() == "割り込み"
    await shot(page, "calls-transcript")
    await page.goto(f"{console_server.url}/console/calls/{seeded.served}")
    assert await page.locator("#transcript .line.aizuchi_ignored .who").inner_text() == "相槌（無視）"


async def test_a_handed_over_call_shows_live_with_its_transcript(signed_in_page: Any, console_server: ConsoleServer,
                                                                 tmp_path) -> None:
    page = signed_in_page
    seeded = await seed_day(console_server.sm, tmp_path)
    rec = CallRecorder(console_server.sm, "CAwaiting")  # started now: today's page shows it live
    await rec.start(turn_mode="barge_in", schedule_date=DAY)
    for kind, text, data in LIVE:
        rec.add(kind, text, {"driver_id": seeded.suzuki} if text == "identified" else data)
    await rec.flush()
    await page.goto(f"{console_server.url}/console/calls")
    card = page.locator(f"#live-{rec.call_id}")
    assert "handover" in (await card.get_attribute("class") or "")
    assert await page.locator("#live-calls .live-call").first.get_attribute("id") == f"live-{rec.call_id}"
    assert await card.locator(".driver").inner_text() == "鈴木 一郎"
    assert "本人が配車係を希望" in await card.locator(".handover-badge").inner_text()
    lines = card.locator(".transcript .line")
    texts = await card.locator(".transcript .line .text").all_inner_texts()
    assert "事故で遅れます。配車係と話したい" in texts and "本人が配車係を希望" in texts
    before = await lines.count()
    rec.add("bot", "配車係におつなぎします。少々お待ちください。")
    await rec.flush()
    await card.locator(".transcript .line.bot", has_text="少々お待ちください").wait_for()
    assert await lines.count() == before + 1
    await shot(page, "calls-handover")

    await page.goto(f"{console_server.url}/console/calls/{rec.call_id}")
    assert not await page.locator("#call .handover-badge").is_hidden()
    rec.add("caller", "お願いします")
    await rec.flush()
    await page.locator("#transcript .line.caller", has_text="お願いします").wait_for()
    await rec.finish(outcome=Outcome.TRANSFERRED, driver_id=seeded.suzuki, lookup_failures=0,
                     metrics={"transfer_reason": "caller_asked_for_person"})
    await page.locator("#call .outcome .tag.outcome-transferred").wait_for()
    assert await page.locator("#call .handover-badge").is_hidden()


async def test_dashboard_charts_hold_the_days_figures(signed_in_page: Any, console_server: ConsoleServer,
                                                      tmp_path) -> None:
    page = signed_in_page
    await seed_day(console_server.sm, tmp_path)
    await page.goto(f"{console_server.url}/console/dashboard?date={DATE}")
    await page.wait_for_function("window.consoleCharts !== undefined")
    charts = await page.evaluate("""() => Object.fromEntries(Object.entries(window.consoleCharts).map(
        ([name, chart]) => [name, {labels: chart.data.labels, data: chart.data.datasets.map(d => d.data),
                                   drawn: chart.getDatasetMeta(0).data.length}]))""")
    assert charts["perHour"]["data"] == [EXPECTED["per_hour"]] and charts["perHour"]["drawn"] == 24
    assert charts["outcomes"]["labels"] == ["通話中", "案内済み", "配車係へ転送", "該当なし", "途中で終了"]
    assert charts["outcomes"]["data"] == [[1, 1, 2, 0, 1]]
    assert charts["transfers"]["labels"] == ["本人が配車係を希望", "照合できず"]
    assert charts["transfers"]["data"] == [[2, 1]]
    assert charts["turns"]["data"] == [[1, 1]]
    assert charts["firstAudio"]["labels"] == ["あいさつまで", "返答まで"]
    assert charts["firstAudio"]["data"] == [[450, 700], [800, 900]]
    assert charts["lookups"]["data"] == [[2, 0, 1]]
    assert await page.locator("#total-calls").inner_text() == "5"
    await shot(page, "dashboard")
    await page.set_viewport_size({"width": 820, "height": 1180})  # a tablet
    await shot(page, "dashboard-tablet")


@contextlib.asynccontextmanager
async def console_with_calls(db_url: str, engine: Any, standin: RealtimeStandin) -> AsyncIterator[ConsoleServer]:
    """The real service (webhook, media socket, bridge, guidance) with its console, the stand-in as model."""
    from bridge_support import fast_config

    sm = make_sessionmaker(engine)
    settings = sim_settings(standin.url, database_url=db_url)
    factory = build_factory(GuidanceConfig.from_settings(settings), sm, today=lambda: DAY)
    service = await start_service(settings, factory, engine=engine, bridge_config=fast_config(),
                                  console=console_config())
    try:
        yield ConsoleServer(service.url, service, engine, sm)
    finally:
        await service.close()


@pytest.mark.timeout(180)
async def test_a_simulated_call_appears_live_and_grows(page: Any, db_url: str, engine: Any, tmp_path: Path) -> None:
    """The call goes to one instance, the dispatcher watches on another: only the database is shared."""
    sm = make_sessionmaker(engine)
    await load_days(sm, tmp_path)
    scenario = served_with_correction("いちにのさんご", "いちにのさんよん", "さとう けんいち", "駐車場はどこですか")
    scenario.speech_scale = 0.5
    standin = await RealtimeStandin(scenario.script).start()
    try:
        async with console_with_calls(db_url, engine, standin) as carrier:
            viewer = await start_console(db_url, engine)
            try:
                await _watch_a_call(page, viewer, carrier, scenario)
            finally:
                await viewer.service.close()
    finally:
        await standin.close()


async def _watch_a_call(page: Any, viewer: ConsoleServer, carrier: ConsoleServer, scenario: Any) -> None:
    name, password = await viewer.add_user()
    await sign_in_page(page, viewer, name, password)
    await page.goto(f"{viewer.url}/console/calls")
    await page.locator("#live-state", has_text="自動更新中").wait_for()
    assert await page.locator("#live-calls .live-call").count() == 0
    caller = TwilioCaller(carrier.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
    call = asyncio.create_task(play_call(caller, scenario, within=30))
    try:
        card = page.locator("#live-calls .live-call").first
        await card.wait_for(timeout=15_000)  # no reload: the stream brought it
        lines = card.locator(".transcript .line")
        await lines.first.wait_for(timeout=15_000)
        first_count = await lines.count()
        await card.locator(".driver", has_text="佐藤 健一").wait_for(timeout=30_000)
        grown = await lines.count()
        assert grown > first_count
        assert await card.locator(".vehicle").inner_text() == "品川 100 あ 12-34"
        await shot(page, "calls-live")
        await call
    finally:
        if not call.done():
            call.cancel()
        await caller.close()
    await card.locator(".ended-badge", has_text="案内済み").wait_for(timeout=15_000)
    assert await lines.count() > grown
    texts = await card.locator(".transcript .line .text").all_inner_texts()
    assert "はい" in texts and "駐車場はどこですか" in texts
    row = page.locator(f"#call-{await card.get_attribute('data-call-id')}")
    await row.locator(".outcome", has_text="案内済み").wait_for()
    assert await row.locator(".driver").inner_text() == "佐藤 健一"
