"""The console's schedule load runs in a child process: the service's process does none of the
loading, a child that dies or fails mid-write leaves the failure page and no rows, its error text
(which may quote a phone number) stays out of the logs, and a browser closed mid-load does not cut
the load short. On both backends."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

import pytest
from console_support import ConsoleServer
from schedule_samples import EXAMPLE_CSV, csv_text, stop
from sqlalchemy import func, select
from test_console_schedules import counts, form, signed_in, upload

import schedules.loader
import schedules.search.indexing
from ivr.console import load_runner
from schedules.models import LoadLog, ScheduleDay, Stop

TESTS = Path(__file__).resolve().parent
STOPS = 2500  # more than one batch of rows (the loader writes 2,000 at a time)


def big_file() -> bytes:
    return csv_text([stop(stop_seq=str(i)) for i in range(1, STOPS + 1)]).encode()


async def test_the_load_runs_in_another_process(console_server: ConsoleServer, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    async def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the service's own process ran the loader")

    # Were the load done in this process (a thread, the loop), these would break it.
    monkeypatch.setattr(schedules.search.indexing, "load_and_index_bytes", not_here)
    monkeypatch.setattr(schedules.loader, "load_schedule_bytes", not_here)
    caplog.set_level(logging.INFO, logger="ivr.console")
    async with await signed_in(console_server, "yamada") as c:
        status, page = await upload(c, EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name)
    assert status == 200 and 'data-outcome="loaded"' in page
    pids = [int(m.group(1)) for m in re.finditer(r"schedule load running in process (\d+)", caplog.text)]
    assert len(pids) == 1 and pids[0] != os.getpid()
    async with console_server.sm() as s:
        assert (await s.scalars(select(LoadLog.loaded_by))).all() == ["yamada"]
    assert (await counts(console_server))[0] == 1


async def test_a_dry_run_of_many_stops_lists_the_first_thousand(console_server: ConsoleServer) -> None:
    async with await signed_in(console_server) as c:
        status, page = await upload(c, big_file(), "big.csv", dry_run=True)
    assert status == 200 and 'data-outcome="dry_run"' in page
    planned = page.split('id="planned"', 1)[1]
    assert planned.count("<tr>") == 1 + 1000  # the header and the stops shown
    assert f"ほか {STOPS - 1000} 件" in page
    assert await counts(console_server) == (0, 0, 0)


@pytest.mark.parametrize("how", ["kill", "raise"])
async def test_a_load_process_dying_mid_write_leaves_no_rows(console_server: ConsoleServer, how: str,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(load_runner, "LOAD_MODULE", "load_process_that_dies")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("LOAD_DIES", how)
    caplog.set_level(logging.INFO)
    async with await signed_in(console_server) as c:
        status, page = await upload(c, big_file(), "big.csv")
    assert status == 200 and 'data-outcome="failed"' in page and page.rstrip().endswith("</html>")
    days, stops, _ = await counts(console_server)
    assert (days, stops) == (0, 0)
    failure = next(r.getMessage() for r in caplog.records if "failed" in r.getMessage())
    # SIGKILL or the RuntimeError: only the child's writing phase does either (load_process_that_dies.py)
    assert failure.endswith("status -9" if how == "kill" else "status 1: RuntimeError")
    assert "090-9999-0000" not in caplog.text and "佐藤" not in caplog.text


async def test_a_browser_closed_mid_load_does_not_cut_it_short(console_server: ConsoleServer) -> None:
    async with await signed_in(console_server) as c:
        async with c.http.post(c.base + "/console/schedules/upload", data=form(c, big_file(), "big.csv",
                                                                              dry_run=False)) as r:
            assert r.status == 200
            await r.content.readany()  # the page has begun: the load is under way
        # the connection is closed: the load goes on to its end in its process
        for _ in range(600):
            async with console_server.sm() as s:
                if await s.scalar(select(func.count()).select_from(ScheduleDay)):
                    break
            await asyncio.sleep(0.1)
    async with console_server.sm() as s:
        assert await s.scalar(select(func.count()).select_from(Stop)) == STOPS
        assert (await s.scalars(select(LoadLog.outcome))).all() == ["loaded"]
