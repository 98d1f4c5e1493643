"""A page sent in pieces: its top at once, progress lines while work runs, then the result.

A large schedule takes a while to check, read and write; the dispatcher sees each phase's count
as it goes, without JavaScript, and the answer arrives in the same response (so it works behind
a load balancer with no job state shared between instances). The page is rendered once with two
markers; what comes before the first is sent first, progress lines go between them, the result
fragment (rendered with the same autoescaping environment) replaces the second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web
from markupsafe import escape

PROGRESS_MARK = "@@PROGRESS@@"
RESULT_MARK = "@@RESULT@@"
T = TypeVar("T")


class LatestProgress:
    """The loader's (phase, done, total) callback, called from a worker thread or the loop: keeps the latest."""

    def __init__(self) -> None:
        self.latest: tuple[str, int, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.latest = (phase, done, total)  # one reference assignment: safe from any thread


class StreamedPage:
    def __init__(self, request: web.Request, template: str, context: dict[str, Any]) -> None:
        self.request, self.template = request, template
        self.context = {**context, "progress_mark": PROGRESS_MARK, "result_mark": RESULT_MARK}
        self.response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8",
                                                    "X-Accel-Buffering": "no"})
        self._tail = ""

    async def start(self) -> None:
        page = aiohttp_jinja2.render_string(self.template, self.request, self.context)
        head, _, rest = page.partition(PROGRESS_MARK)
        self._between, _, self._tail = rest.partition(RESULT_MARK)
        await self.response.prepare(self.request)
        await self.response.write(head.encode())

    async def step(self, text: str, done: int | None = None, total: int | None = None) -> None:
        bar = f' <progress max="{total}" value="{done}"></progress>' if total else ""
        await self.response.write(f'<div class="step">{escape(text)}{bar}</div>\n'.encode())

    async def run(self, work: Awaitable[T], progress: LatestProgress, labels: dict[str, str],
                  every: float = 0.25) -> T:
        """Await `work` (shielded: a browser closed mid-load does not cut a load short), writing the
        latest progress every `every` seconds while it runs."""
        task = asyncio.ensure_future(work)
        shown: tuple[str, int, int] | None = None
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            latest = progress.latest
            if latest is not None and latest != shown and not done:
                phase, count, total = latest
                await self.step(f"{labels.get(phase, phase)}: {count:,} / {total:,}", count, total)
                shown = latest
            if done:
                return await asyncio.shield(task)

    async def finish(self, fragment: str, context: dict[str, Any]) -> web.StreamResponse:
        env = aiohttp_jinja2.get_env(self.request.app)
        result = env.get_template(fragment).render({**self.context, **context})
        await self.response.write((self._between + result + self._tail).encode())
        await self.response.write_eof()
        return self.response
