"""`ivr demo --serve`: the demo call, then the service and its console keep running with a one-time
demo sign-in; more calls from the console's button and from `ivr demo --call`; Ctrl-C stops it
and disables the demo sign-in. A real process on the embedded defaults (SQLite)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

from console_support import ConsoleClient
from sqlalchemy import func, select

from ivr.console.models import ConsoleUser
from ivr.records.models import CallRecord
from schedules.db import make_engine, make_sessionmaker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _ivr(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "ivr.cli", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def _read_until(process: asyncio.subprocess.Process, pattern: str, within: float = 120) -> str:
    seen = ""
    async with asyncio.timeout(within):
        while not re.search(pattern, seen):
            line = await process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise AssertionError(f"the demo ended early:\n{seen}")
            seen += line.decode()
    return seen


def _row(page: str, call_id: int) -> str:
    """The calls page's row of one call."""
    found = re.search(rf'<tr id="call-{call_id}".*?</tr>', page, re.S)
    return found.group(0) if found else ""


async def test_demo_serves_the_console_after_the_call(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    port = _free_port()
    process = await _ivr("demo", "--serve", "--port", str(port), env=env)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)

    async def finished_calls() -> int:
        async with sm() as s:
            return int(await s.scalar(select(func.count()).select_from(CallRecord)
                                      .where(CallRecord.ended_at.is_not(None))) or 0)

    async def until_calls(n: int, tries: int = 180) -> None:
        for _ in range(tries):  # polling a database another process writes
            if await finished_calls() >= n:
                return
            await asyncio.sleep(0.5)
        raise AssertionError(f"{await finished_calls()} finished calls, expected {n}")

    try:
        out = await _read_until(process, r"sign in:\s+demo / \S+")
        assert "自動案内:" in out and "ended: served" in out
        assert f"console:   http://127.0.0.1:{port}/console/" in out
        password = re.search(r"sign in:\s+demo / (\S+)", out).group(1)  # type: ignore[union-attr]
        assert len(password) >= 16

        async with ConsoleClient(f"http://127.0.0.1:{port}") as c:
            signed = await c.sign_in("demo", password)
            assert signed.status == 200 and "/console/schedules" in str(signed.url)
            page = await (await c.get("/console/schedules")).text()
            assert "デモ通話をかける" in page
            r = await c.post("/console/demo/call", allow_redirects=False)
            assert r.status == 303 and r.headers["Location"] == "/console/calls"
            await until_calls(3)  # the demo's two calls, then the button's

            caller = await _ivr("demo", "--call", "--port", str(port), env=env)
            output, _ = await asyncio.wait_for(caller.communicate(), 90)
            assert caller.returncode == 0, output.decode()
            await until_calls(4)

            # The after-call worker runs in the demo: both calls get their summary and SMS in 通話.
            for _ in range(120):  # polling the worker of another process
                page = await (await c.get("/console/calls")).text()
                rows = {n: _row(page, n) for n in (3, 4)}
                if all("発信者: 佐藤 健一" in r and "queued" in r for r in rows.values()):
                    break
                await asyncio.sleep(0.5)
            for n, row in rows.items():
                assert '<td class="summary">発信者: 佐藤 健一' in row, (n, row)
                assert re.search(r'<td class="sms">[^<]*queued', row), (n, row)

        process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, rest.decode()
        assert "the demo sign-in is disabled" in rest.decode()
        async with sm() as s:
            demo = (await s.scalars(select(ConsoleUser).where(ConsoleUser.name == "demo"))).one()
        assert demo.disabled and demo.role == "admin"
        assert password not in demo.password_hash
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await engine.dispose()


async def test_plain_demo_creates_no_sign_in_and_no_demo_button(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    process = await _ivr("demo", env={**os.environ, "DATABASE_URL": url})
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, output.decode()
    assert "sign in" not in output.decode()
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            assert await s.scalar(select(func.count()).select_from(ConsoleUser)) == 0
    finally:
        await engine.dispose()


async def test_demo_call_without_a_running_demo_says_so() -> None:
    process = await _ivr("demo", "--call", "--port", str(_free_port()), env=dict(os.environ))
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "no demo is serving" in output.decode()
