"""The loader's step between rendering and writing: active overrides replace rendered readings.

An override carries over to the next load when the text is unchanged, because it is keyed by the
text. It never replaces a reading typed in the file's kana column for that row: the file is the
dispatcher's explicit choice for that row, made (or re-made) with this very load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schedules.models import ReadingOverride
from schedules.note_lines import READING_LINE_BREAK, note_lines, reading_lines
from schedules.rendering import Rendered, StopReadings
from schedules.validation import ValidStop

_KIND_OF = {"destination_name": "destination", "destination_address": "address", "cargo": "cargo", "notes": "notes"}
ActiveReadings = Mapping[tuple[str, str], str]  # (kind, text as written) -> the kana drivers hear


async def active_readings(session: AsyncSession) -> dict[tuple[str, str], str]:
    """Every override not reverted; of two on one text (a race of two dispatchers) the later wins."""
    rows = await session.execute(
        select(ReadingOverride.kind, ReadingOverride.text, ReadingOverride.reading)
        .where(ReadingOverride.reverted_at.is_(None))
        .order_by(ReadingOverride.created_at, ReadingOverride.id)
    )
    return {(kind, text): reading for kind, text, reading in rows}


def _notes(stop: ValidStop, said: StopReadings, active: ActiveReadings) -> tuple[str, int]:
    lines, kanas = note_lines(stop.notes), reading_lines(said.notes)
    if len(lines) != len(kanas):  # the rendering always pairs them; never guess if it did not
        return said.notes, 0
    fixed = [active.get(("notes", line)) for line in lines]
    if not any(f is not None for f in fixed):
        return said.notes, 0
    joined = READING_LINE_BREAK.join(f if f is not None else k for f, k in zip(fixed, kanas, strict=True))
    return joined, sum(f is not None for f in fixed)


def apply_overrides(stops: list[ValidStop], rendered: Rendered, active: ActiveReadings) -> int:
    """Replace rendered readings by active overrides in place; returns how many readings were replaced."""
    if not active:
        return 0
    replaced = 0
    for index, (stop, said) in enumerate(zip(stops, rendered.readings, strict=True)):
        changes: dict[str, object] = {}
        if (kana := active.get(("destination", stop.destination_name))) is not None:
            changes["destination_name"] = kana
        if stop.address_kana is None and (kana := active.get(("address", stop.destination_address))) is not None:
            changes["destination_address"], changes["address_uncertain"] = kana, False
        if stop.cargo_kana is None and stop.cargo and (kana := active.get(("cargo", stop.cargo))) is not None:
            changes["cargo"] = kana
        notes, fixed_lines = _notes(stop, said, active)
        if fixed_lines:
            changes["notes"] = notes
        replaced += len(changes) - ("address_uncertain" in changes) - ("notes" in changes) + fixed_lines
        if changes:
            kinds = tuple(_KIND_OF[name] for name in changes if name in _KIND_OF)
            rendered.readings[index] = dataclasses.replace(said, **changes, overridden=kinds)  # type: ignore[arg-type]
    return replaced
