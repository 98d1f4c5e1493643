"""The console's schedule load, in a process of its own: `python -m ivr.console.load_process`.

Parsing, rendering, writing and indexing a big file is seconds of work, some of it in C code that
holds the interpreter lock for a few hundred milliseconds at a time; in the service's process that
stalls every live call's audio on the instance, even from a worker thread. In a child process it
cannot. The parent (`load_runner.py`) writes one JSON line (the job: database URL, search keys,
who loads it) and then the file's bytes to standard input: nothing secret is on the command line,
where `ps` would show it. The child answers on standard output with JSON lines: progress, log
records, then the report (pickled: the same `LoadReport` the page renders) or the name of the
exception that ended it. It writes nothing else there (anything a library prints goes to standard
error), and never a traceback: an exception's text may quote the rows (names, phone numbers).

Only the loader is imported (not aiohttp or the web service), so the child starts in about a second.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import pickle
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schedules.loader import LoadReport


class Channel:
    """Standard output as the parent reads it: one JSON object a line, from the loop or a thread."""

    def __init__(self, out: IO[bytes], every: float = 0.05) -> None:
        self.out, self.every = out, every
        self._lock = threading.Lock()
        self._last: tuple[str, float] = ("", 0.0)

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, ensure_ascii=False).encode() + b"\n"
        with self._lock:
            self.out.write(line)
            self.out.flush()

    def progress(self, phase: str, done: int, total: int) -> None:
        """The loader's progress callback, thinned to a line every `every` seconds a phase (the page
        shows one every 0.25 s), and each phase's last."""
        now = time.monotonic()
        if phase == self._last[0] and done < total and now - self._last[1] < self.every:
            return
        self._last = (phase, now)
        self.send({"progress": [phase, done, total]})


class _Forward(logging.Handler):
    """The loader's log records go to the parent, which logs them as if the load ran there."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(logging.INFO)
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.channel.send({"log": [record.levelno, record.name, record.getMessage()]})
        except Exception:  # a log line is never worth failing the load
            pass


async def _load(job: dict[str, Any], data: bytes, channel: Channel) -> LoadReport:
    from schedules.db import make_engine, make_sessionmaker
    from schedules.search.indexing import load_and_index_bytes, make_search

    engine = make_engine(job["database_url"])
    try:
        sm = make_sessionmaker(engine)
        search = make_search(sm, **job["search"])
        return await load_and_index_bytes(sm, data, job["file_name"], depot_id=job["depot_id"], search=search,
                                          dry_run=job["dry_run"], progress=channel.progress,
                                          loaded_by=job["loaded_by"], file_format=job["file_format"])
    finally:
        await engine.dispose()


def encode_report(report: LoadReport, shown: int) -> dict[str, Any]:
    """The report for the page: a dry run's stops cut to the `shown` the page lists (their count kept),
    so the parent unpickles a small object rather than ten thousand stops."""
    planned_total = len(report.planned)
    del report.planned[shown:]
    return {"report": base64.b64encode(pickle.dumps(report)).decode("ascii"), "planned_total": planned_total}


def decode_report(message: dict[str, Any]) -> tuple[LoadReport, int]:
    """The parent's side of `encode_report`: the report and how many stops the dry run planned.

    Unpickling is safe here: the bytes come from our own child process, never from a client.
    """
    return pickle.loads(base64.b64decode(message["report"])), int(message["planned_total"])


def main() -> int:
    out = os.fdopen(os.dup(1), "wb")  # the channel to the parent ...
    os.dup2(2, 1)  # ... and nothing a library prints can get into it
    sys.stdout = sys.stderr
    channel = Channel(out)
    logging.basicConfig(level=logging.INFO, handlers=[_Forward(channel)])
    try:
        job = json.loads(sys.stdin.buffer.readline())
        data = sys.stdin.buffer.read(job["size"])
        if len(data) != job["size"]:
            raise EOFError("the file was cut short")
        channel.send({"started": os.getpid()})
        report = asyncio.run(_load(job, data, channel))
        channel.send(encode_report(report, job["shown"]))
        return 0
    except BaseException as exc:  # the type only: its text may quote the file's rows
        channel.send({"failed": type(exc).__name__})
        return 1


if __name__ == "__main__":
    sys.exit(main())
