"""Running an uploaded schedule's load in a child process (`load_process.py`) and following it.

The child does exactly what `ivr schedules load` does (the same loader, validation, atomic write
and indexing), so the service's process only passes bytes and reads progress lines: a ten
thousand stop load costs the calls' event loop nothing but a few pipe reads. The job and the file
go in on the child's standard input (the database URL and the search key never on its command
line); its standard error is read and dropped, but for the name of an exception that killed the
interpreter before it could report (a traceback's text may quote rows: names, phone numbers).

If the child dies (killed, out of memory, a crash) the page says the load failed: the loader
writes in one transaction, so the database rolls a half-written load back when the connection
drops. If the service itself stops mid-load, the child is killed, with the same result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from dataclasses import dataclass

from ivr.config import SearchConfig
from ivr.console.load_process import decode_report
from ivr.console.streamed_page import LatestProgress
from ivr.console.upload import Upload
from schedules.loader import LoadReport

LOAD_MODULE = "ivr.console.load_process"
_LINE_LIMIT = 64 * 1024 * 1024  # the report's line: a broken file's every problem
_EXCEPTION_NAME = re.compile(rb"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b")
log = logging.getLogger("ivr.console")


@dataclass(frozen=True)
class LoadJob:
    database_url: str
    depot_id: str
    search: SearchConfig
    upload: Upload
    loaded_by: str
    shown: int  # a dry run's stops the page lists; the child sends only these (and their count)


class LoadProcessFailed(Exception):
    """The child ended without a report. The message is safe to log: exit status and type names only."""


def _job_line(job: LoadJob) -> bytes:
    search = job.search
    return json.dumps({
        "database_url": job.database_url, "depot_id": job.depot_id, "loaded_by": job.loaded_by,
        "search": {"azure_endpoint": search.azure_endpoint, "azure_key": search.azure_key,
                   "azure_index": search.azure_index},
        "file_name": job.upload.file_name, "file_format": job.upload.file_format, "dry_run": job.upload.dry_run,
        "size": len(job.upload.data), "shown": job.shown,
    }).encode() + b"\n"


async def _feed(stdin: asyncio.StreamWriter, job: LoadJob) -> None:
    try:
        stdin.write(_job_line(job))
        stdin.write(job.upload.data)
        await stdin.drain()
        stdin.close()
        await stdin.wait_closed()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child is gone already: its exit status tells what happened


async def _last_exception_name(stderr: asyncio.StreamReader) -> str | None:
    name = None
    async for line in stderr:
        if match := _EXCEPTION_NAME.match(line):
            name = match.group(1).decode()
    return name


async def load_in_process(job: LoadJob, progress: LatestProgress) -> tuple[LoadReport, int]:
    """The load's report (a dry run's stops cut to `job.shown`) and how many stops it planned."""
    # -P: not the working directory's modules; LOAD_MODULE is looked up now (tests swap in a child that dies)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-P", "-m", LOAD_MODULE, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, limit=_LINE_LIMIT)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    feeding = asyncio.ensure_future(_feed(process.stdin, job))
    crash = asyncio.ensure_future(_last_exception_name(process.stderr))
    result: tuple[LoadReport, int] | None = None
    failed: str | None = None
    try:
        async for line in process.stdout:
            message = json.loads(line)
            if "progress" in message:
                progress(*message["progress"])
            elif "log" in message:
                level, name, text = message["log"]
                logging.getLogger(name).log(int(level), "%s", text)
            elif "started" in message:
                log.info("console: schedule load running in process %d", int(message["started"]))
            elif "report" in message:
                result = decode_report(message)
            elif "failed" in message:
                failed = str(message["failed"])
        status = await process.wait()
        await feeding
        crashed = await crash
    finally:
        if process.returncode is None:  # we were cancelled (the service is stopping): no load outlives it
            process.kill()
            await process.wait()
        feeding.cancel()
        crash.cancel()
    if result is None or status != 0:
        raise LoadProcessFailed(f"load process {process.pid} ended with status {status}"
                                f"{f': {failed or crashed}' if failed or crashed else ''}")
    return result
