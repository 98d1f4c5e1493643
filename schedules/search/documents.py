"""Turn one loaded schedule day into destination documents (one per distinct destination)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.models import ScheduleDay, Stop
from schedules.search.base import DestinationDoc, destination_key


def _join(values: list[str]) -> str:
    seen: list[str] = []
    for v in values:
        v = v.strip()
        if v and v not in seen:
            seen.append(v)
    return "\n".join(seen)


def documents_for_stops(depot_id: str, date: dt.date, stops: list[Stop]) -> list[DestinationDoc]:
    """Group stops by destination; notes and cargo of every stop there are kept, each once."""
    groups: dict[str, list[Stop]] = {}
    for stop in sorted(stops, key=lambda s: (s.stop_seq, s.id or 0)):
        groups.setdefault(destination_key(stop.destination_name, stop.destination_address), []).append(stop)
    docs = []
    for key, group in groups.items():
        first = group[0]
        docs.append(DestinationDoc(
            depot_id=depot_id, date=date, destination_key=key, name=first.destination_name,
            name_kana=first.destination_name_kana, address=first.destination_address,
            address_kana=first.destination_address_kana,
            notes=_join([s.notes for s in group]), notes_kana=_join([s.notes_kana for s in group]),
            cargo_notes=_join([s.cargo for s in group]), cargo_kana=_join([s.cargo_kana for s in group]),
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
