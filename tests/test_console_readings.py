"""読み上げ確認 over HTTP: the list by source, a fix and a revert through the forms, refusals worded,
CSRF required, every text escaped. (The browser and the call are in test_console_browser_readings.py.)"""

from __future__ import annotations

import html
from pathlib import Path

import aiohttp
import pytest
from console_support import ConsoleServer
from guidance_support import TODAY_ROWS, load_rows
from schedule_samples import stop, write_csv
from sqlalchemy import select

from ivr.console.pages import readings as readings_page
from schedules.loader import load_schedule
from schedules.models import ReadingOverride, Stop
from schedules.search.indexing import embedded_on_loaded

ARIAKE = "東京都江東区有明3丁目5番7号"


def fix_form(reading: str, text: str = ARIAKE, kind: str = "address") -> dict[str, str]:
    return {"date": "2026-12-01", "kind": kind, "text": text, "reading": reading}


HEARD = select(Stop.destination_address_kana).where(Stop.destination_address == ARIAKE)


async def test_a_fix_and_a_revert_through_the_forms(console_server: ConsoleServer, tmp_path: Path) -> None:
    await load_rows(console_server.sm, tmp_path / "today.csv", TODAY_ROWS)
    name, _ = await console_server.add_user(name="yamada")
    async with console_server.client() as client:
        await client.sign_in(name)
        page = await client.get("/console/readings")
        body = await page.text()
        assert page.status == 200 and "2026-12-01" in body and ARIAKE in body
        fixed = await client.post("/console/readings/fix", fix_form("とうきょうと こうとうく ありあけ"),
                                  allow_redirects=False)
        assert fixed.status == 303 and "done=fixed" in fixed.headers["Location"]
        after = await (await client.get(fixed.headers["Location"])).text()
        assert "読みを保存しました（1件の停車先に反映）" in after
        assert 'data-source="override"' in after and "トウキョウト コウトウク アリアケ" in after
        async with console_server.sm() as session:
            row = (await session.scalars(select(ReadingOverride))).one()
            heard = await session.scalar(HEARD)
        assert (row.created_by, row.reading, heard) == ("yamada", "トウキョウト コウトウク アリアケ",
                                                        "トウキョウト コウトウク アリアケ")
        reverted = await client.post("/console/readings/revert", {"date": "2026-12-01", "override_id": str(row.id)},
                                     allow_redirects=False)
        assert reverted.status == 303 and "done=reverted" in reverted.headers["Location"]
        async with console_server.sm() as session:
            row = (await session.scalars(select(ReadingOverride))).one()
            heard = await session.scalar(HEARD)
        assert row.reverted_by == "yamada" and heard != "トウキョウト コウトウク アリアケ"
        again = await client.post("/console/readings/revert", {"date": "2026-12-01", "override_id": str(row.id)})
        assert again.status == 409 and "すでに元に戻された" in await again.text()


async def test_refusals_are_worded_and_change_nothing(console_server: ConsoleServer, tmp_path: Path) -> None:
    await load_rows(console_server.sm, tmp_path / "today.csv", TODAY_ROWS)
    name, _ = await console_server.add_user()
    async with console_server.client() as client:
        await client.sign_in(name)
        await client.get("/console/readings")
        bad = await client.post("/console/readings/fix", fix_form("有明ニチョウメ"))
        text = await bad.text()
        assert bad.status == 400 and "カタカナかひらがなで入力してください" in text and "使えない文字: 有明" in text
        no_token = await client.post("/console/readings/fix", fix_form("アリアケ"), with_token=False)
        assert no_token.status == 403
        bad_date = await client.get("/console/readings?date=2026-13-45")
        assert bad_date.status == 400
    async with console_server.sm() as session:
        assert (await session.scalars(select(ReadingOverride))).all() == []


async def test_the_page_needs_a_session(console_server: ConsoleServer) -> None:
    async with console_server.client() as client:
        page = await client.get("/console/readings", allow_redirects=False)
        assert page.status in (302, 303) and "/console/login" in page.headers["Location"]
        post = await client.post("/console/readings/fix", {"date": "2026-12-01"}, with_token=False)
        assert post.status == 403


async def test_texts_from_the_file_are_escaped(console_server: ConsoleServer, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    await load_schedule(console_server.sm, write_csv(tmp_path / "x.csv", [
        stop(destination_name=evil, notes='"><img src=x onerror=alert(2)>')]), on_loaded=embedded_on_loaded("default"))
    name, _ = await console_server.add_user()
    async with console_server.client() as client:
        await client.sign_in(name)
        body = await (await client.get("/console/readings?date=2026-12-01")).text()
    assert evil not in body and html.escape(evil, quote=False) in body
    assert "<img src=x" not in body


async def test_the_upload_preview_marks_readings_a_dispatcher_fixed(console_server: ConsoleServer,
                                                                    tmp_path: Path) -> None:
    await load_rows(console_server.sm, tmp_path / "today.csv", TODAY_ROWS)
    name, _ = await console_server.add_user()
    async with console_server.client() as client:
        await client.sign_in(name)
        await client.get("/console/readings")
        fixed = await client.post("/console/readings/fix", fix_form("トウキョウト コウトウク アリアケ"))
        assert fixed.status == 200
        await client.get("/console/schedules")
        body = aiohttp.FormData()
        body.add_field("csrf_token", client.csrf_token)
        body.add_field("file", (tmp_path / "today.csv").read_bytes(), filename="today.csv")
        body.add_field("dry_run", "1")
        preview = await (await client.post("/console/schedules/upload", body)).text()
    assert "コンソールで直した読み<b>1</b>" in preview
    assert '<span class="tag override">修正済み</span>' in preview and "トウキョウト コウトウク アリアケ" in preview


async def test_a_big_day_is_shown_page_by_page(console_server: ConsoleServer, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readings_page, "PAGE_SIZE", 10)
    await load_rows(console_server.sm, tmp_path / "today.csv", TODAY_ROWS)  # 25 readings
    name, _ = await console_server.add_user()
    async with console_server.client() as client:
        await client.sign_in(name)
        first = await (await client.get("/console/readings?date=2026-12-01")).text()
        last = await (await client.get("/console/readings?date=2026-12-01&page=3")).text()
        beyond = await (await client.get("/console/readings?date=2026-12-01&page=99")).text()
    assert first.count("<tr id=") == 10 and "1–10件目 / 25件（1 / 3 ページ）" in first and 'rel="next"' in first
    assert last.count("<tr id=") == 5 and "21–25件目 / 25件（3 / 3 ページ）" in last and 'rel="next"' not in last
    assert "21–25件目 / 25件（3 / 3 ページ）" in beyond  # past the end: the last page
