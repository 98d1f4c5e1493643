"""読み上げ確認 in a real browser (Debian's Chromium, Playwright): a reading fixed on the page is what
the next simulated call's `get_next_stop` hands the model, and after a revert the old kana is back;
uncertain readings first, the filter by source, a fix without JavaScript, and the page's screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_support import ConsoleServer, shot, sign_in_page
from guidance_support import DAY, TODAY_ROWS, load_rows
from readings_support import next_stop_heard
from schedule_samples import stop, write_csv

from schedules.loader import load_schedule
from schedules.readings import reading
from schedules.search.indexing import embedded_on_loaded

ARIAKE = "東京都江東区有明3丁目5番7号"
FIXED = "トウキョウト コウトウク アリアケ サンノゴノナナ"


def row_of(page: Any, kind: str, text: str) -> Any:
    return page.locator(f'tr[data-kind="{kind}"]').filter(has=page.locator("td.text", has_text=text)).first


async def test_a_reading_fixed_in_the_browser_reaches_the_next_call_and_a_revert_brings_back_the_old(
        signed_in_page: Any, console_server: ConsoleServer, tmp_path: Path) -> None:
    page = signed_in_page
    await load_rows(console_server.sm, tmp_path / "today.csv", TODAY_ROWS)
    rule = reading(ARIAKE, "address")
    await page.goto(console_server.url + "/console/readings")
    row = row_of(page, "address", ARIAKE)
    assert await row.locator("[name=reading]").input_value() == rule
    await row.locator("[name=reading]").fill("とうきょうと こうとうく ありあけ さんのごのなな")
    await row.locator("button.save").click()
    await page.wait_for_selector("#message.ok")
    row = row_of(page, "address", ARIAKE)
    assert await row.get_attribute("data-source") == "override"
    assert await row.locator("[name=reading]").input_value() == FIXED
    await row.locator("details summary").click()
    history = await row.locator("details li").all_inner_texts()
    assert len(history) == 1 and page.console_user in history[0] and f"{rule} → {FIXED}" in history[0]
    await shot(page, "readings-fixed")

    heard = await next_stop_heard(console_server.sm, console_server.engine, DAY)
    assert heard["address_kana"] == FIXED

    await row_of(page, "address", ARIAKE).locator("form.revert button").click()
    await page.wait_for_selector("#message.ok")
    row = row_of(page, "address", ARIAKE)
    assert await row.get_attribute("data-source") == "rule"
    assert await row.locator("[name=reading]").input_value() == rule
    assert "が終了" in " ".join(await row.locator("details li").all_text_contents())

    heard = await next_stop_heard(console_server.sm, console_server.engine, DAY)
    assert heard["address_kana"] == rule


async def test_uncertain_first_and_the_filter_by_source(signed_in_page: Any, console_server: ConsoleServer,
                                                        tmp_path: Path) -> None:
    page = signed_in_page
    rows = [
        stop(),
        stop(stop_seq="2", destination_name="葛飾新宿配送センター", destination_address="東京都葛飾区新宿6-3-2",
             cargo="3.5t", notes="守衛所で受付してください\n駐車場は北側です"),
        stop(plate="横浜 800 さ 12-34", driver_name="大田 優希", driver_kana="オオタ ユウキ", driver_phone="",
             destination_name="架空町倉庫", destination_address="東京都江東区架空町1-2",
             cargo="精密機器 3台", cargo_kana="せいみつきき さんだい", notes=""),
    ]
    await load_schedule(console_server.sm, write_csv(tmp_path / "day.csv", rows),
                        on_loaded=embedded_on_loaded("default"))
    await page.goto(console_server.url + "/console/readings")
    sources = await page.locator("#readings tbody tr").evaluate_all("rows => rows.map(r => r.dataset.source)")
    assert sources[0] == "uncertain" and "uncertain" not in sources[1:]
    assert await page.locator("#readings tbody tr").first.locator("td.text").inner_text() == "東京都江東区架空町1-2"
    parking = row_of(page, "notes", "駐車場は北側です")
    await parking.locator("[name=reading]").fill("ちゅうしゃじょうは きたがわです")
    await parking.locator("button.save").click()
    await page.wait_for_selector("#message.ok")
    await shot(page, "readings")

    await page.click('nav.filters a[data-source="file"]')
    await page.wait_for_url("**source=file")
    assert await page.locator("#readings tbody tr").evaluate_all("rows => rows.map(r => r.dataset.source)") == ["file"]
    assert await page.locator("#readings tbody [name=reading]").count() == 0  # a file's reading: no edit form
    await page.click('nav.filters a[data-source="override"]')
    await page.wait_for_url("**source=override")
    texts = await page.locator("#readings tbody td.text").all_inner_texts()
    assert texts == ["駐車場は北側です"]
    await page.select_option("select[name=source]", "uncertain")
    await page.click("#pick-date button")
    await page.wait_for_url("**source=uncertain")
    assert await page.locator("#readings tbody tr").evaluate_all("rows => rows.map(r => r.dataset.source)") \
        == ["uncertain"]


async def test_a_schedules_script_is_shown_never_run(signed_in_page: Any, console_server: ConsoleServer,
                                                     tmp_path: Path) -> None:
    page = signed_in_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    evil = "<script>alert(1)</script>"
    await load_schedule(console_server.sm, write_csv(tmp_path / "day.csv", [
        stop(destination_name=evil, notes='"><img src=x onerror=alert(2)>')]), on_loaded=embedded_on_loaded("default"))
    await page.goto(console_server.url + "/console/readings")
    table = await page.locator("#readings").inner_text()
    assert evil in table and '"><img src=x onerror=alert(2)>' in table
    assert await page.locator("#readings img").count() == 0
    assert dialogs == []


async def test_a_fix_works_without_javascript_on_a_tablet(browser: Any, console_server: ConsoleServer,
                                                          tmp_path: Path) -> None:
    await load_rows(console_server.sm, tmp_path / "today.csv", TODAY_ROWS)
    context = await browser.new_context(viewport={"width": 820, "height": 1180}, locale="ja-JP",
                                        java_script_enabled=False)
    try:
        page = await context.new_page()
        name, password = await console_server.add_user()
        await sign_in_page(page, console_server, name, password)
        await page.goto(console_server.url + "/console/readings?date=2026-12-01")
        row = row_of(page, "destination", "有明物流センター")
        await row.locator("[name=reading]").fill("アリアケ ブツリュウ センター")
        await row.locator("button.save").click()
        await page.wait_for_selector("#message.ok")
        assert await row_of(page, "destination", "有明物流センター").get_attribute("data-source") == "override"
        await shot(page, "readings-tablet")
    finally:
        await context.close()
    heard = await next_stop_heard(console_server.sm, console_server.engine, DAY)
    assert heard["destination_name_kana"] == "アリアケ ブツリュウ センター"
