"""Keeping destination knowledge in step with schedule loads, and choosing the backend.

The embedded index is written inside the load's own transaction (the loader's `on_loaded`
hook), so a schedule and its search documents commit or roll back together. Azure AI Search
cannot join that transaction, so it is refreshed right after the commit from the committed rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.models import ScheduleDay
from schedules.search.base import DestinationSearch
from schedules.search.documents import current_documents, documents_for_day
from schedules.search.embedded import EmbeddedSearch, replace_day_in_session

if TYPE_CHECKING:
    from schedules.loader import LoadReport
    from schedules.rendering import Progress

OnLoaded = Callable[[AsyncSession, ScheduleDay], Awaitable[None]]
log = logging.getLogger(__name__)


def make_search(sessionmaker: async_sessionmaker[AsyncSession], *, azure_endpoint: str | None, azure_key: str,
                azure_index: str) -> DestinationSearch:
    """Azure AI Search when an endpoint is given, the embedded backend (in the database) otherwise."""
    if azure_endpoint:
        from schedules.search.azure import AzureDestinationSearch  # the Azure SDK only when it is used

        return AzureDestinationSearch(azure_endpoint, azure_key, azure_index)
    return EmbeddedSearch(sessionmaker)


def embedded_on_loaded(depot_id: str) -> OnLoaded:
    """The loader hook: rewrite that day's embedded documents in the load transaction."""

    async def on_loaded(session: AsyncSession, schedule_day: ScheduleDay) -> None:
        docs = await documents_for_day(session, depot_id, schedule_day)
        await replace_day_in_session(session, depot_id, schedule_day.date, docs)

    return on_loaded


async def index_after_commit(search: DestinationSearch, sessionmaker: async_sessionmaker[AsyncSession],
                             depot_id: str, date: dt.date) -> int:
    """Push the committed day to a backend outside the database (Azure); returns the document count."""
    if isinstance(search, EmbeddedSearch):
        return 0  # already written by the load hook
    async with sessionmaker() as session:
        docs = await current_documents(session, depot_id, date)
    await search.replace_day(depot_id, date, docs)
    return len(docs)


async def load_and_index(sessionmaker: async_sessionmaker[AsyncSession], path: Path, *, depot_id: str,
                         search: DestinationSearch, dry_run: bool = False,
                         progress: Progress | None = None) -> LoadReport:
    """`load_schedule` with destination indexing: embedded in the load transaction, Azure after commit.

    A failed Azure upload does not undo the committed schedule (drivers still get their stops);
    it is returned in the report's `warnings` so the dispatcher can re-run the load, which
    re-indexes the day.
    """
    data = await asyncio.to_thread(path.read_bytes)
    return await load_and_index_bytes(sessionmaker, data, path.name, depot_id=depot_id, search=search,
                                      dry_run=dry_run, progress=progress)


async def load_and_index_bytes(sessionmaker: async_sessionmaker[AsyncSession], data: bytes, file_name: str, *,
                               depot_id: str, search: DestinationSearch, dry_run: bool = False,
                               progress: Progress | None = None, loaded_by: str | None = None,
                               file_format: str | None = None) -> LoadReport:
    """`load_and_index` for a file in memory (the console's uploads), recording who loaded it."""
    from schedules.loader import load_schedule_bytes

    report = await load_schedule_bytes(sessionmaker, data, file_name, dry_run=dry_run,
                                       on_loaded=embedded_on_loaded(depot_id), progress=progress,
                                       loaded_by=loaded_by, file_format=file_format)
    if report.outcome in ("loaded", "unchanged") and report.summary.date and not isinstance(search, EmbeddedSearch):
        try:
            await index_after_commit(search, sessionmaker, depot_id, report.summary.date)
        except Exception as exc:
            log.warning("destination search not updated for %s: %s", report.summary.date, type(exc).__name__)
            report.warnings.append(f"the schedule is loaded but the destination search index was not updated "
                                   f"({type(exc).__name__}: {exc}); run the load again to retry")
    return report
