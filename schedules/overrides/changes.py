"""Set and revert a reading override: at once for the next call, and for the search index.

A fix rewrites the kana columns of every stop that carries the text on the current schedule of
every date from `since` on (the page's date or today, whichever is earlier: yesterday stays as it
was heard, for the record), and that day's destination documents, in one transaction, so
`get_next_stop` and `search_destination_info` answer with the new kana from the next tool call on.
Azure AI Search cannot join the transaction and is refreshed right after the commit; a failure
there is returned as a warning (the stops, which the tools read first, are already fixed).

Stops whose reading was typed in the file keep it (see `schedules.overrides` for the precedence).
Reverting ends the override and restores the reading the rules give; the row stays for the history.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.models import ReadingOverride, ScheduleDay, Stop, utcnow
from schedules.overrides.fields import (
    MAX_OVERRIDE,
    OVERRIDE_KINDS,
    reading_in,
    rewrite,
    rule_reading,
    texts_of,
    typed_in_file,
)
from schedules.overrides.kana_input import OverrideRefused, checked_override_reading
from schedules.readings import Reading
from schedules.search.base import DestinationSearch
from schedules.search.embedded import EmbeddedSearch
from schedules.search.indexing import embedded_on_loaded, index_after_commit

log = logging.getLogger(__name__)
MAX_TEXT = 800  # ReadingOverride.text


@dataclass(frozen=True, slots=True)
class IndexTarget:
    """Whose destination documents to rewrite: the service's depot and its search backend."""

    depot_id: str
    search: DestinationSearch


@dataclass(slots=True)
class ReadingChange:
    override_id: int
    kind: str
    text: str
    reading: str  # what drivers hear now
    previous_reading: str
    stops_changed: int = 0
    dates: list[dt.date] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def _stops_with_text(session: AsyncSession, kind: str, text: str, since: dt.date) -> list[Stop]:
    """Stops of the current versions from `since` on that carry the text, locked for this change."""
    column = {"destination": Stop.destination_name, "address": Stop.destination_address, "cargo": Stop.cargo,
              "notes": Stop.notes}[kind]
    condition = column.contains(text, autoescape=True) if kind == "notes" else column == text
    stmt = (
        select(Stop).join(ScheduleDay, ScheduleDay.id == Stop.schedule_day_id)
        .where(ScheduleDay.is_current.is_(True), ScheduleDay.date >= since, condition)
        .order_by(ScheduleDay.date, Stop.source_line)
        .with_for_update(of=Stop)
    )
    return [s for s in (await session.scalars(stmt)).all() if text in texts_of(s, kind)]


async def _rewrite_days(session: AsyncSession, stops: list[Stop], kind: str, text: str, reading: Reading,
                        index: IndexTarget) -> tuple[int, list[ScheduleDay]]:
    changed = [s for s in stops if rewrite(s, kind, text, reading)]
    await session.flush()
    day_ids = sorted({s.schedule_day_id for s in changed})
    days = list((await session.scalars(select(ScheduleDay).where(ScheduleDay.id.in_(day_ids))
                                       .order_by(ScheduleDay.date))).all()) if day_ids else []
    hook = embedded_on_loaded(index.depot_id)
    for day in days:  # the embedded documents, in this transaction (as a load writes them)
        await hook(session, day)
    return len(changed), days


async def _index_elsewhere(sessionmaker: async_sessionmaker[AsyncSession], index: IndexTarget,
                           change: ReadingChange) -> None:
    if isinstance(index.search, EmbeddedSearch):
        return
    for date in change.dates:
        try:
            await index_after_commit(index.search, sessionmaker, index.depot_id, date)
        except Exception as exc:
            log.warning("destination search not updated after a reading change for %s: %s", date,
                        type(exc).__name__)
            change.warnings.append(f"the destination search index was not updated for {date} "
                                   f"({type(exc).__name__}); the stops carry the new reading")


def _check_kind(kind: str) -> None:
    if kind not in OVERRIDE_KINDS:
        raise OverrideRefused("unknown_kind", f"unknown kind {kind!r}; expected one of {', '.join(OVERRIDE_KINDS)}")


async def set_override(sessionmaker: async_sessionmaker[AsyncSession], *, kind: str, text: str, reading: str,
                       user: str, since: dt.date, index: IndexTarget) -> ReadingChange:
    """Make `reading` what drivers hear for `text` (of `kind`) from the next call on, recorded as `user`'s."""
    _check_kind(kind)
    if len(text) > MAX_TEXT:  # a note line can be longer than the override table keeps
        raise OverrideRefused("text_too_long", f"this text is too long to fix here (at most {MAX_TEXT} characters)",
                              str(MAX_TEXT))
    kana = checked_override_reading(reading, MAX_OVERRIDE[kind])
    async with sessionmaker() as session, session.begin():
        stops = await _stops_with_text(session, kind, text, since)
        if not stops:
            raise OverrideRefused("unknown_text", f"no schedule from {since} on carries this {kind} text")
        open_stops = [s for s in stops if not typed_in_file(s, kind)]
        if not open_stops:
            raise OverrideRefused("file_reading", "every stop with this text has its reading typed in the file; "
                                  "change it in the file's kana column and load the file again")
        previous = reading_in(open_stops[0], kind, text)
        active = list((await session.scalars(
            select(ReadingOverride).where(ReadingOverride.kind == kind, ReadingOverride.text == text,
                                          ReadingOverride.reverted_at.is_(None)).with_for_update()
        )).all())
        # Typing the rendered reading of an uncertain address is a fix too: it marks the reading checked.
        if all(reading_in(s, kind, text) == kana and not (kind == "address" and s.address_kana_uncertain)
                              for s in open_stops):
            raise OverrideRefused("unchanged", "drivers already hear this reading")
        now = utcnow()
        for old in active:  # superseded: the history shows it ended when this one began
            old.reverted_at, old.reverted_by = now, user
        row = ReadingOverride(kind=kind, text=text, reading=kana, previous_reading=previous, created_by=user,
                              created_at=now)
        session.add(row)
        changed, days = await _rewrite_days(session, open_stops, kind, text, Reading(kana), index)
        await session.flush()
        change = ReadingChange(row.id, kind, text, kana, previous, changed, [d.date for d in days])
    await _index_elsewhere(sessionmaker, index, change)
    return change


async def revert_override(sessionmaker: async_sessionmaker[AsyncSession], *, override_id: int, user: str,
                          since: dt.date, index: IndexTarget) -> ReadingChange:
    """End an active override; drivers hear the reading the rules give again from the next call on."""
    async with sessionmaker() as session:
        found = await session.get(ReadingOverride, override_id)
    if found is None or found.reverted_at is not None:
        raise OverrideRefused("not_active", "this fix is not in force (already reverted or replaced)")
    restored = await asyncio.to_thread(rule_reading, found.kind, found.text)
    async with sessionmaker() as session, session.begin():
        row = await session.scalar(select(ReadingOverride).where(ReadingOverride.id == override_id)
                                   .with_for_update())
        if row is None or row.reverted_at is not None:  # reverted by someone else meanwhile
            raise OverrideRefused("not_active", "this fix is not in force (already reverted or replaced)")
        row.reverted_at, row.reverted_by = utcnow(), user
        stops = await _stops_with_text(session, row.kind, row.text, since)
        changed, days = await _rewrite_days(session, stops, row.kind, row.text, restored, index)
        change = ReadingChange(row.id, row.kind, row.text, restored.kana, row.reading, changed,
                               [d.date for d in days])
    await _index_elsewhere(sessionmaker, index, change)
    return change
