"""The default search backend: documents in the service's own database, scored in process.

A day holds at most a few hundred destinations per depot, so reading that day's rows and
scoring character bigrams (see bigrams.py) is fast, behaves the same on PostgreSQL and SQLite,
and needs no full-text extension or Japanese tokenizer on either.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.models import DestinationDocRow
from schedules.search.base import DestinationDoc, SearchHit
from schedules.search.bigrams import coverage_scores

DEFAULT_FLOOR = 0.3


def _row(doc: DestinationDoc) -> DestinationDocRow:
    return DestinationDocRow(
        depot_id=doc.depot_id, date=doc.date, destination_key=doc.destination_key, name=doc.name,
        name_kana=doc.name_kana, address=doc.address, address_kana=doc.address_kana, notes=doc.notes,
        notes_kana=doc.notes_kana, cargo_notes=doc.cargo_notes, cargo_kana=doc.cargo_kana,
    )


def _doc(row: DestinationDocRow) -> DestinationDoc:
    return DestinationDoc(
        depot_id=row.depot_id, date=row.date, destination_key=row.destination_key, name=row.name,
        name_kana=row.name_kana, address=row.address, address_kana=row.address_kana, notes=row.notes,
        notes_kana=row.notes_kana, cargo_notes=row.cargo_notes, cargo_kana=row.cargo_kana,
    )


async def replace_day_in_session(session: AsyncSession, depot_id: str, date: dt.date,
                                 docs: list[DestinationDoc]) -> None:
    """Replace a day's documents inside the caller's transaction (the schedule load's own)."""
    await session.execute(
        delete(DestinationDocRow).where(DestinationDocRow.depot_id == depot_id, DestinationDocRow.date == date)
    )
    session.add_all(_row(d) for d in docs)
    await session.flush()


class EmbeddedSearch:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], score_floor: float = DEFAULT_FLOOR) -> None:
        self._sm = sessionmaker
        self.score_floor = score_floor

    async def replace_day(self, depot_id: str, date: dt.date, docs: list[DestinationDoc]) -> None:
        async with self._sm.begin() as session:
            await replace_day_in_session(session, depot_id, date, docs)

    async def search(self, *, depot_id: str, date: dt.date, text: str,
                     destination_key: str | None = None, top: int = 3) -> list[SearchHit]:
        stmt = select(DestinationDocRow).where(DestinationDocRow.depot_id == depot_id, DestinationDocRow.date == date)
        if destination_key is not None:
            stmt = stmt.where(DestinationDocRow.destination_key == destination_key)
        async with self._sm() as session:
            rows = (await session.execute(stmt)).scalars().all()
        docs = [_doc(r) for r in rows]
        # Each document's score depends only on the question and that document, so filtering in the
        # query gives the same hits as scoring the whole day.
        scores = coverage_scores(text, [d.searchable_text() for d in docs])
        hits = [SearchHit(d, s) for d, s in zip(docs, scores, strict=True) if s >= self.score_floor]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:top]
