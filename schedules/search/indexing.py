"""Keeping destination knowledge in step with schedule loads, and choosing the backend.

The embedded index is written inside the load's own transaction (the loader's `on_loaded`
hook), so a schedule and its search documents commit or roll back together. Azure AI Search
cannot join that transaction, so it is refreshed right after the commit from the committed rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.models import ScheduleDay
from schedules.search.base import DestinationSearch
from schedules.search.documents import current_documents, documents_for_day
from schedules.search.embedded import EmbeddedSearch, replace_day_in_session

if TYPE_CHECKING:
    from schedules.loader import LoadReport

OnLoaded = Callable[[AsyncSession, ScheduleDay], Awaitable[None]]
log = logging.getLogger(__name__)


def make_search(settings: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> DestinationSearch:
    """Azure AI Search when AZURE_SEARCH_ENDPOINT is set, the embedded backend otherwise."""
    endpoint = getattr(settings, "azure_search_endpoint", None)
    if endpoint:
        from schedules.search.azure import AzureDestinationSearch

        key = settings.azure_search_key.get_secret_value() if settings.azure_search_key else ""
        return AzureDestinationSearch(endpoint, key, settings.azure_search_index)
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


async def reindex_day(search: DestinationSearch, sessionmaker: async_sessionmaker[AsyncSession],
                      depot_id: str, date: dt.date) -> int:
    """Rebuild one day's documents from the committed schedule, on any backend."""
    async with sessionmaker() as session:
        docs = await current_documents(session, depot_id, date)
    await search.replace_day(depot_id, date, docs)
    return len(docs)


async def load_and_index(sessionmaker: async_sessionmaker[AsyncSession], path: Path, *, settings: Any,
                         dry_run: bool = False, progress: Any = None) -> LoadReport:
    """`load_schedule` with destination indexing: embedded in the load transaction, Azure after commit.

    A failed Azure upload does not undo the committed schedule (drivers still get their stops);
    it is reported on stderr so the dispatcher can re-run the load, which re-indexes the day.
    """
    from schedules.loader import load_schedule

    depot_id = getattr(settings, "depot_id", "default")
    report = await load_schedule(sessionmaker, path, dry_run=dry_run, on_loaded=embedded_on_loaded(depot_id),
                                 progress=progress)
    search = make_search(settings, sessionmaker)
    if report.outcome in ("loaded", "unchanged") and report.summary.date and not isinstance(search, EmbeddedSearch):
        try:
            await index_after_commit(search, sessionmaker, depot_id, report.summary.date)
        except Exception as exc:
            log.warning("destination search not updated for %s: %s", report.summary.date, type(exc).__name__)
            print(f"warning: the schedule is loaded but the destination search index was not updated "
                  f"({type(exc).__name__}: {exc}); run the load again to retry", file=sys.stderr)
    return report
