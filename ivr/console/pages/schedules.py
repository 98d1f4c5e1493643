"""予定の取り込み: upload a schedule file, see every problem or what would be loaded, load it.

The same loader as `ivr schedules load` (validation, readings, one transaction, a new version,
destination indexing); the console adds who loaded it to the load log. The answer is streamed
(`StreamedPage`) so a large file shows its progress.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ivr.config import ConsoleConfig
from ivr.console.guard import multipart_reader, signed_in
from ivr.console.load_log import recent_loads
from ivr.console.state import console_state, db
from ivr.console.streamed_page import LatestProgress, StreamedPage
from ivr.console.upload import Upload, UploadRefused, receive_upload, too_big
from ivr.web.state import STATE
from schedules.loader import LoadReport
from schedules.search.indexing import load_and_index_bytes

log = logging.getLogger("ivr.console")

PHASES = {"validating": "行の確認", "rendering": "読みの作成", "writing": "書き込み"}
SHOWN_STOPS = 1000  # a dry run lists at most this many stops on the page


def register(app: web.Application) -> None:
    app.router.add_get("/schedules", schedules_page, name="schedules")
    app.router.add_post("/schedules/upload", upload)


async def _page_context(request: web.Request) -> dict[str, Any]:
    config = console_state(request).config
    return {
        "loads": await recent_loads(db(request), config.timezone),
        "max_mb": config.upload_max_bytes / 1024 / 1024,
    }


def _load_on_own_loop(database_url: str, config: ConsoleConfig, received: Upload, user_name: str,
                      progress: LatestProgress) -> LoadReport:
    """The whole load on an event loop and engine of its own, in a worker thread.

    Parsing, rendering, writing and indexing a big file is seconds of Python: on the service's
    loop it would stall every call's audio on this instance (bench/bench_console_upload.py
    measures the loop's lateness). In a thread, the interpreter hands the loop its turn every few
    milliseconds.
    """
    from schedules.db import make_engine, make_sessionmaker

    async def load() -> LoadReport:
        engine = make_engine(database_url)
        try:
            sm = make_sessionmaker(engine)
            return await load_and_index_bytes(sm, received.data, received.file_name, depot_id=config.depot_id,
                                              search=config.search.make(sm), dry_run=received.dry_run,
                                              progress=progress, loaded_by=user_name,
                                              file_format=received.file_format)
        finally:
            await engine.dispose()

    return asyncio.run(load())


async def schedules_page(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template("schedules.html", request, await _page_context(request))


async def upload(request: web.Request) -> web.StreamResponse:
    config = console_state(request).config
    user = signed_in(request)
    try:
        if request.content_length is not None and request.content_length > config.upload_max_bytes + 65536:
            raise too_big(config.upload_max_bytes)
        received = await receive_upload(await multipart_reader(request), config.upload_max_bytes)
    except UploadRefused as refused:
        log.info("console: upload refused (%d) for user %d", refused.status, user.user_id)
        context = {**await _page_context(request), "refused": refused.message}
        return aiohttp_jinja2.render_template("schedules.html", request, context, status=refused.status)

    page = StreamedPage(request, "schedule_upload.html",
                        {"file_name": received.file_name, "dry_run": received.dry_run})
    await page.start()
    await page.step("ファイルを確認しています…")
    progress = LatestProgress()
    database_url = request.config_dict[STATE].config.database_url
    try:
        report: LoadReport = await page.run(
            asyncio.to_thread(_load_on_own_loop, database_url, config, received, user.name, progress),
            progress, PHASES,
        )
    except Exception as exc:  # the page has begun (status 200): say so in it rather than cut it off
        # The type only: a database error's text quotes the rows (names, phone numbers).
        log.error("console: upload by user %d failed: %s", user.user_id, type(exc).__name__)
        return await page.finish("schedule_failed.html", {})
    await page.step("終わりました。")
    log.info("console: user %d uploaded a schedule: %s, %d problems", user.user_id, report.outcome,
             len(report.errors))
    return await page.finish("schedule_result.html", {
        "report": report,
        "summary": report.summary,
        "planned": report.planned[:SHOWN_STOPS],
        "more_planned": max(0, len(report.planned) - SHOWN_STOPS),
    })
