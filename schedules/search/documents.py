"""Turn one loaded schedule day into destination documents (one per distinct destination).

A document's `notes` and `notes_kana` hold the lines of every note at the destination, joined with
"\n", line i of the reading being the reading of line i of the text: the answer to a question
reads a reading line only for a text line the driver may hear, so the two must never shift. Each
note is split by the one line rule (schedules/note_lines.py) and paired strictly; a note whose
reading does not have one line per text line is left out of the document (logged, without its
words), never paired with its neighbour's lines.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.models import ScheduleDay, Stop
from schedules.note_lines import READING_LINE_BREAK, paired_lines
from schedules.search.base import DestinationDoc, destination_key

log = logging.getLogger(__name__)


def _join_pairs(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """The lines of several texts and their readings, each line once, so line i of both still match.
    A text whose reading can't be paired line by line contributes nothing."""
    seen: dict[str, str] = {}
    unpaired = 0
    for text, kana in pairs:
        lines = paired_lines(text, kana)
        if lines is None:
            unpaired += 1
            continue
        for line, line_kana in lines:
            seen.setdefault(line, line_kana)
    if unpaired:
        log.warning("%d note(s) left out of a destination document: their reading lines do not pair "
                    "with their text lines (reload the day to render them again)", unpaired)
    return READING_LINE_BREAK.join(seen), READING_LINE_BREAK.join(seen.values())


def _search_only(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """Cargo wordings at the destination, each once. They are searched but never read out from the
    document (a driver hears only their own stop's cargo, from the stop), so they need no pairing."""
    texts = dict.fromkeys(" ".join(text.split()) for text, _ in pairs if text.strip())
    kanas = dict.fromkeys(" ".join(kana.split()) for text, kana in pairs if text.strip() and kana.strip())
    return READING_LINE_BREAK.join(texts), READING_LINE_BREAK.join(kanas)


def documents_for_stops(depot_id: str, date: dt.date, stops: list[Stop]) -> list[DestinationDoc]:
    """Group stops by destination; notes and cargo of every stop there are kept, each once."""
    groups: dict[str, list[Stop]] = {}
    for stop in sorted(stops, key=lambda s: (s.stop_seq, s.id or 0)):
        groups.setdefault(destination_key(stop.destination_name, stop.destination_address), []).append(stop)
    docs = []
    for key, group in groups.items():
        first = group[0]
        notes, notes_kana = _join_pairs([(s.notes, s.notes_kana) for s in group])
        cargo, cargo_kana = _search_only([(s.cargo, s.cargo_kana) for s in group])
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
