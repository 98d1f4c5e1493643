"""予定の取り込み over HTTP, on both backends: the validation report, dry runs, loads with who loaded
them, type and size checks, escaping, and the streamed progress."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import aiohttp
import openpyxl
import pytest
from aiohttp import web
from console_support import ConsoleClient, ConsoleServer, console_config, start_console
from schedule_samples import BROKEN_CSV, EXAMPLE_CSV, EXAMPLE_XLSX, csv_text, stop, two_vehicle_day
from sqlalchemy import func, select

from schedules.loader import load_schedule
from schedules.models import LoadLog, ScheduleDay, Stop


def form(client: ConsoleClient, data: bytes, name: str, *, dry_run: bool, token: bool = True) -> aiohttp.FormData:
    body = aiohttp.FormData()
    if token:
        body.add_field("csrf_token", client.csrf_token)
    body.add_field("file", data, filename=name, content_type="application/octet-stream")
    if dry_run:
        body.add_field("dry_run", "1")
    return body


async def upload(client: ConsoleClient, data: bytes, name: str, *, dry_run: bool = False) -> tuple[int, str]:
    response = await client.post("/console/schedules/upload", form(client, data, name, dry_run=dry_run))
    return response.status, await response.text()


async def counts(server: ConsoleServer) -> tuple[int, int, int]:
    async with server.sm() as s:
        return tuple([int(await s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                      for m in (ScheduleDay, Stop, LoadLog)])


async def signed_in(server: ConsoleServer, name: str = "yamada") -> ConsoleClient:
    await server.add_user(name=name)
    client = server.client()
    await client.sign_in(name)
    return client


async def test_dry_run_shows_what_would_be_loaded_and_writes_nothing(console_server: ConsoleServer) -> None:
    async with await signed_in(console_server) as c:
        status, page = await upload(c, EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name, dry_run=True)
    assert status == 200
    assert 'data-outcome="dry_run"' in page and "不備はありません" in page
    assert "セントラル営業所" in page and "オオタ ユウキ" in page
    assert "ニイジュク" in page  # 葛飾区新宿, read from Japan Post's data
    assert 'class="tag file"' in page and 'class="tag rule"' in page
    assert await counts(console_server) == (0, 0, 0)


async def test_load_records_who_loaded_it(console_server: ConsoleServer) -> None:
    async with await signed_in(console_server, "yamada") as c:
        status, page = await upload(c, EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name)
        assert status == 200 and 'data-outcome="loaded"' in page and "版 1" in page
        status, page = await upload(c, EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name)
        assert 'data-outcome="unchanged"' in page
        listing = await (await c.get("/console/schedules")).text()
    days, stops, logs = await counts(console_server)
    assert days == 1 and stops > 10 and logs == 2
    async with console_server.sm() as s:
        assert set((await s.scalars(select(LoadLog.loaded_by))).all()) == {"yamada"}
    assert listing.count("<td>yamada</td>") == 2 and "取り込み済み" in listing and EXAMPLE_CSV.name in listing


async def test_broken_file_lists_every_problem_and_writes_no_schedule(console_server: ConsoleServer) -> None:
    expected = await load_schedule(console_server.sm, BROKEN_CSV, dry_run=True)  # what the CLI reports
    assert len(expected.errors) >= 15
    async with await signed_in(console_server) as c:
        status, page = await upload(c, BROKEN_CSV.read_bytes(), BROKEN_CSV.name)
    assert status == 200 and 'data-outcome="rejected"' in page
    assert f"{len(expected.errors)} 件の不備" in page and "何も書き込んでいません" in page
    table = page.split('id="problems"', 1)[1]
    for problem in expected.errors:
        reason = problem.reason.replace("'", "&#39;").replace(">", "&gt;").replace("<", "&lt;")
        row = f'<td class="num">{problem.line}</td><td class="nowrap">{problem.column}</td><td>{reason}</td>'
        assert row in table, problem
    assert await counts(console_server) == (0, 0, 1)  # only the audit row
    async with console_server.sm() as s:
        log = (await s.scalars(select(LoadLog))).one()
    assert log.outcome == "rejected" and log.loaded_by == "yamada"


async def test_xlsx_is_loaded(console_server: ConsoleServer) -> None:
    async with await signed_in(console_server) as c:
        status, page = await upload(c, EXAMPLE_XLSX.read_bytes(), "明日の予定.xlsx")
    assert status == 200 and 'data-outcome="loaded"' in page
    assert (await counts(console_server))[0] == 1


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_type_is_judged_by_content(console_server: ConsoleServer) -> None:
    good_csv = csv_text(two_vehicle_day()).encode()
    cases = [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "schedule.csv", 415),  # a picture called .csv
        (good_csv, "schedule.xlsx", 415),  # text called .xlsx
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "schedule.xls", 415),  # old Excel
        (_xlsx([["a"]]), "schedule.csv", 415),  # a workbook called .csv
        (b"PK\x03\x04not really a zip", "schedule.xlsx", 415),
        (b"", "schedule.csv", 400),
    ]
    async with await signed_in(console_server) as c:
        for data, name, status in cases:
            got, page = await upload(c, data, name)
            assert got == status, name
            assert 'id="refused"' in page
        status, page = await upload(c, good_csv, "no-extension")  # text is a CSV whatever its name
        assert status == 200 and 'data-outcome="loaded"' in page
    assert (await counts(console_server))[0] == 1


async def test_file_over_the_size_cap_is_refused_unread(db_url: str, engine: object) -> None:
    server = await start_console(db_url, engine, console_config(upload_max_bytes=2048))  # type: ignore[arg-type]
    try:
        data = csv_text([stop(stop_seq=str(i)) for i in range(1, 60)]).encode()
        assert len(data) > 2048
        async with await signed_in(server) as c:
            status, page = await upload(c, data, "big.csv")
        assert status == 413 and "大きすぎます" in page
        assert await counts(server) == (0, 0, 0)
    finally:
        await server.service.close()


async def test_upload_without_the_csrf_token_first_is_refused(console_server: ConsoleServer) -> None:
    async with await signed_in(console_server) as c:
        r = await c.post("/console/schedules/upload", form(c, EXAMPLE_CSV.read_bytes(), "x.csv", dry_run=False,
                                                              token=False))
        assert r.status == 403
        late = aiohttp.FormData()
        late.add_field("file", EXAMPLE_CSV.read_bytes(), filename="x.csv")
        late.add_field("csrf_token", c.csrf_token)  # after the file: refused before the file is read
        r = await c.post("/console/schedules/upload", late)
        assert r.status == 403
    assert await counts(console_server) == (0, 0, 0)


async def test_values_from_the_file_are_escaped(console_server: ConsoleServer) -> None:
    rows = [stop(destination_name="<script>window.pwned=1</script>", notes='"><img src=x onerror=alert(1)>')]
    async with await signed_in(console_server) as c:
        status, page = await upload(c, csv_text(rows).encode(), "evil.csv", dry_run=True)
    assert status == 200
    assert "<script>window.pwned" not in page and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


async def test_progress_is_streamed_while_the_work_runs() -> None:
    """The page's top and each progress line reach the browser before the work ends."""
    from ivr.console.app import build_console
    from ivr.console.guard import public
    from ivr.console.streamed_page import LatestProgress, StreamedPage
    from ivr.sim.local_site import start_local_site

    release = asyncio.Event()

    @public
    async def slow(request: web.Request) -> web.StreamResponse:
        page = StreamedPage(request, "schedule_upload.html", {"file_name": "x.csv", "dry_run": False})
        await page.start()
        progress = LatestProgress()

        async def work() -> str:
            progress("writing", 2000, 6000)
            await release.wait()
            return "done"

        assert await page.run(work(), progress, {"writing": "書き込み"}, every=0.01) == "done"
        return await page.finish("schedule_result.html", {"report": {"outcome": "rejected", "errors": []}})

    console = build_console(console_config())
    console.router.add_get("/slow", slow)
    app = web.Application()
    app.add_subapp("/console", console)
    runner, port = await start_local_site(app)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/console/slow") as r:
            seen = b""
            while b"2,000 / 6,000" not in seen:
                seen += await r.content.readany()
            assert b"<h1>" in seen and b'<progress max="6000" value="2000">' in seen
            assert b"</html>" not in seen  # the work is still running
            release.set()
            rest = await r.content.read()
            assert b'data-outcome="rejected"' in rest and rest.rstrip().endswith(b"</html>")
    finally:
        await runner.cleanup()


def test_example_files_exist() -> None:
    assert Path(EXAMPLE_CSV).is_file() and Path(EXAMPLE_XLSX).is_file()


async def test_a_failure_mid_load_ends_the_page_with_a_message(console_server: ConsoleServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr.console.pages import schedules as page

    async def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(page, "load_and_index_bytes", broken)
    async with await signed_in(console_server) as c:
        status, text = await upload(c, EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name)
    assert status == 200 and 'data-outcome="failed"' in text and text.rstrip().endswith("</html>")
