"""Turn one loaded schedule day into destination documents (one per distinct destination)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.models import ScheduleDay, Stop
from schedules.search.base import DestinationDoc, destination_key


def _join_pairs(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """Texts and their readings, each text once, joined line by line so line i of both still match."""
    seen: dict[str, str] = {}
    for text, kana in pairs:
        text = text.strip()
        if text and text not in seen:
            seen[text] = " ".join(kana.split())
    return "\n".join(seen), "\n".join(seen.values())


def documents_for_stops(depot_id: str, date: dt.date, stops: list[Stop]) -> list[DestinationDoc]:
    """Group stops by destination; notes and cargo of every stop there are kept, each once."""
    groups: dict[str, list[Stop]] = {}
    for stop in sorted(stops, key=lambda s: (s.stop_seq, s.id or 0)):
        groups.setdefault(destination_key(stop.destination_name, stop.destination_address), []).append(stop)
    docs = []
    for key, group in groups.items():
        first = group[0]
        notes, notes_kana = _join_pairs([(s.notes, s.notes_kana) for s in group])
        cargo, cargo_kana = _join_pairs([(s.cargo, s.cargo_kana) for s in group])
        docs.append(DestinationDoc(
            depot_id=depot_id, date=date, destination_key=key, name=first.destination_name,
            name_kana=first.destination_name_kana, address=first.destination_address,
            address_kana=first.destination_address_kana,
            notes=notes, notes_kana=notes_kana, cargo_notes=cargo, cargo_kana=cargo_kana,
        ))
    return docs


async def documents_for_day(session: AsyncSession, depot_id: str, day: ScheduleDay) -> list[DestinationDoc]:
    stops = list((await session.execute(select(Stop).where(Stop.schedule_day_id == day.id))).scalars().all())
    return documents_for_stops(depot_id, day.date, stops)


async def current_documents(session: AsyncSession, depot_id: str, date: dt.date) -> list[DestinationDoc]:
    day = (await session.execute(
        select(ScheduleDay).where(ScheduleDay.date == date, ScheduleDay.is_current.is_(True))
    )).scalar()
    return [] if day is None else await documents_for_day(session, depot_id, day)
