"""予定の取り込み and ユーザー in a real browser (Chromium via Playwright), with screenshots:
the CSRF refusal, a broken file, a good file, the XSS case, the users admin page, a tablet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from console_support import ConsoleServer, shot, sign_in_page
from schedule_samples import BROKEN_CSV, EXAMPLE_CSV, stop, write_csv
from sqlalchemy import func, select

from ivr.console.models import ConsoleSession
from schedules.loader import load_schedule
from schedules.models import LoadLog, ScheduleDay, Stop


async def _count(server: ConsoleServer, model: type) -> int:
    async with server.sm() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _upload(page: Any, server: ConsoleServer, path: Path, *, dry_run: bool) -> None:
    await page.goto(server.url + "/console/schedules")
    await page.set_input_files("input[name=file]", str(path))
    if not dry_run:
        await page.uncheck("input[name=dry_run]")
    await page.click("#upload-form button[type=submit]")
    await page.wait_for_selector("#result")


async def test_post_without_csrf_token_is_refused_in_the_browser(signed_in_page: Any,
                                                                 console_server: ConsoleServer) -> None:
    status = await signed_in_page.evaluate(
        "async () => (await fetch('/console/logout', {method: 'POST', body: new URLSearchParams()})).status")
    assert status == 403
    assert await _count(console_server, ConsoleSession) == 1  # still signed in
    await signed_in_page.reload()
    assert "/console/schedules" in signed_in_page.url


async def test_broken_file_shows_every_line_at_fault_and_writes_nothing(signed_in_page: Any,
                                                                       console_server: ConsoleServer) -> None:
    expected = await load_schedule(console_server.sm, BROKEN_CSV, dry_run=True)
    await _upload(signed_in_page, console_server, BROKEN_CSV, dry_run=False)
    rows = await signed_in_page.locator("#problems tbody tr").all_inner_texts()
    assert [tuple(r.split("\t")) for r in rows] == [
        (str(p.line), p.column or "（ファイル全体）", p.reason) for p in expected.errors]
    assert "何も書き込んでいません" in await signed_in_page.inner_text("#result")
    await shot(signed_in_page, "schedules-rejected")
    assert await _count(console_server, ScheduleDay) == 0 and await _count(console_server, Stop) == 0
    async with console_server.sm() as s:
        assert (await s.scalars(select(LoadLog.outcome))).all() == ["rejected"]


async def test_good_file_dry_run_then_loaded(signed_in_page: Any, console_server: ConsoleServer) -> None:
    await _upload(signed_in_page, console_server, EXAMPLE_CSV, dry_run=True)
    assert await signed_in_page.get_attribute("#result", "data-outcome") == "dry_run"
    assert await signed_in_page.locator("#planned tbody tr").count() == 331
    await shot(signed_in_page, "schedules-dry-run", full_page=False)
    assert await _count(console_server, ScheduleDay) == 0

    await _upload(signed_in_page, console_server, EXAMPLE_CSV, dry_run=False)
    assert await signed_in_page.get_attribute("#result", "data-outcome") == "loaded"
    assert "2026-12-01 の予定を版 1 として取り込みました" in await signed_in_page.inner_text("#result")
    assert await _count(console_server, Stop) == 331

    await signed_in_page.goto(console_server.url + "/console/schedules")
    first = await signed_in_page.locator("#load-log tbody tr").first.inner_text()
    assert signed_in_page.console_user in first and "取り込み済み" in first and EXAMPLE_CSV.name in first
    await shot(signed_in_page, "schedules")


async def test_script_in_a_schedule_is_shown_as_text_and_never_run(signed_in_page: Any, console_server: ConsoleServer,
                                                                   tmp_path: Path) -> None:
    dialogs: list[str] = []
    signed_in_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    script = "<script>window.__xss = 1; alert('xss')</script>"
    image = '<img src=x onerror="window.__xss = 2; alert(2)">'
    path = write_csv(tmp_path / "xss.csv", [stop(destination_name=script, notes=image)])
    await _upload(signed_in_page, console_server, path, dry_run=True)
    shown = await signed_in_page.inner_text("#planned td.destination")
    assert shown.split("\n")[0] == script  # the text as written, then its reading
    await shot(signed_in_page, "schedules-xss")
    assert image in await signed_in_page.inner_text("#planned tbody tr")
    await _upload(signed_in_page, console_server, path, dry_run=False)  # and stored, for every other page
    assert await signed_in_page.get_attribute("#result", "data-outcome") == "loaded"
    assert await signed_in_page.evaluate("window.__xss") is None
    assert dialogs == []


async def test_users_admin_page(admin_page: Any, browser: Any, console_server: ConsoleServer) -> None:
    await admin_page.goto(console_server.url + "/console/users")
    await admin_page.fill("#add-user input[name=name]", "suzuki")
    await admin_page.select_option("#add-user select[name=role]", "dispatcher")
    await admin_page.fill("#add-user input[name=password]", "short")
    await admin_page.evaluate("document.querySelector('#add-user input[name=password]').removeAttribute('minlength')")
    await admin_page.click("#add-user button[type=submit]")
    assert "10文字以上" in await admin_page.inner_text(".error")
    await admin_page.fill("#add-user input[name=password]", "suzuki's password")
    await admin_page.click("#add-user button[type=submit]")
    await admin_page.wait_for_url(re.compile(r".*/console/users\?done=added$"))
    row = admin_page.locator("#users tr[data-user=suzuki]")
    assert "配車係" in await row.inner_text() and "有効" in await row.inner_text()
    await shot(admin_page, "users")

    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        suzuki = await context.new_page()
        await sign_in_page(suzuki, console_server, "suzuki", "suzuki's password")
        await suzuki.goto(console_server.url + "/console/users")
        assert "管理者だけ" in await suzuki.inner_text("body")  # 403 for a dispatcher

        await row.locator("button.danger").click()
        await admin_page.wait_for_url(re.compile(r".*done=disabled$"))
        assert "無効" in await admin_page.locator("#users tr[data-user=suzuki]").inner_text()
        await suzuki.goto(console_server.url + "/console/schedules")
        assert "/console/login" in suzuki.url  # their session ended
    finally:
        await context.close()


async def test_pages_fit_a_tablet(browser: Any, console_server: ConsoleServer) -> None:
    name, password = await console_server.add_user(role="admin")
    context = await browser.new_context(viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True)
    try:
        tablet = await context.new_page()
        await sign_in_page(tablet, console_server, name, password)
        for path in ("/console/schedules", "/console/users"):
            await tablet.goto(console_server.url + path)
            overflow = await tablet.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
        await _upload(tablet, console_server, BROKEN_CSV, dry_run=True)
        await shot(tablet, "schedules-tablet")
    finally:
        await context.close()
