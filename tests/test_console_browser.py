"""The console in a real browser (Debian's Chromium driven by Playwright): signing in and out,
refusal without a session, and a screenshot of each page under tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

from console_support import ConsoleServer, shot, sign_in_page
from sqlalchemy import func, select

from ivr.console.models import ConsoleSession


async def test_sign_in_and_sign_out_in_the_browser(page: Any, console_server: ConsoleServer) -> None:
    name, password = await console_server.add_user(name="sato")
    await page.goto(console_server.url + "/console/")
    assert page.url.endswith("/console/login?next=/console/")
    await shot(page, "login")
    await page.fill("input[name=username]", name)
    await page.fill("input[name=password]", "wrong password")
    await page.click("button[type=submit]")
    assert "ユーザー名またはパスワードが違います" in await page.inner_text("main")
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/console/schedules$"))
    assert await page.inner_text(".user-name") == "sato"
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["ivr_console"]["httpOnly"] and cookies["ivr_console"]["sameSite"] == "Lax"
    assert await page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
    await page.click("#sign-out")
    await page.wait_for_url(re.compile(r".*/console/login$"))
    async with console_server.sm() as s:
        assert await s.scalar(select(func.count()).select_from(ConsoleSession)) == 0
    await page.goto(console_server.url + "/console/schedules")
    assert "/console/login" in page.url


async def test_nav_shows_users_only_to_admins(signed_in_page: Any, browser: Any,
                                              console_server: ConsoleServer) -> None:
    links = await signed_in_page.locator("nav.pages a").all_inner_texts()
    assert links == ["予定の取り込み", "読み上げ確認", "通話", "ダッシュボード"]
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        admin = await context.new_page()
        name, password = await console_server.add_user(role="admin")
        await sign_in_page(admin, console_server, name, password)
        assert "ユーザー" in await admin.locator("nav.pages a").all_inner_texts()
    finally:
        await context.close()
