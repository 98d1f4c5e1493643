"""Render the readings of a validated schedule, each distinct text once.

Hundreds of stops share a handful of destinations, cargo wordings and windows, so readings
are cached per load (never across loads: a fixed reading rule must take effect on reload).
The dispatcher's kana columns win over the rendering and are counted separately, so the
summary says how much of what drivers hear was typed by a person. An address whose rendered
reading holds a place name the general dictionary guessed is marked uncertain
(`Reading.uncertain`), so a dispatcher checks it first; a reading typed in the file is never marked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from schedules.note_lines import note_reading
from schedules.problems import Problem
from schedules.readings import Reading, checked_reading, window_reading
from schedules.validation import ValidStop

TextKind = Literal["address", "text"]
Progress = Callable[[str, int, int], None]  # (phase, done, total)

# Longest reading each column holds (the database's column sizes).
MAX_READING = {"destination_name": 400, "destination_address": 800, "window": 200, "cargo": 800}


@dataclass(frozen=True, slots=True)
class StopReadings:
    destination_name: str
    destination_address: str
    address_from_file: bool
    address_uncertain: bool  # rendered, with a place name the general dictionary guessed (Reading.uncertain)
    window: str
    cargo: str
    cargo_from_file: bool
    notes: str
    # The kinds of text (destination, address, cargo, notes) read as a dispatcher fixed them in the
    # console, set by schedules.overrides.at_load after rendering.
    overridden: tuple[str, ...] = ()


@dataclass(slots=True)
class Rendered:
    readings: list[StopReadings]
    problems: list[Problem]
    rendered: int  # reading values filled by rendering (non-empty texts)
    from_file: int  # reading values taken from the file's kana columns
    distinct: int  # distinct texts actually rendered


class _Renderer:
    """Per-load cache of readings; a text that cannot be rendered becomes a Problem, not a crash."""

    def __init__(self, columns: Callable[[str], str]) -> None:
        self._texts: dict[tuple[str, str], Reading] = {}
        self._windows: dict[tuple[dt.time | None, dt.time | None], str] = {}
        self._column = columns
        self.problems: list[Problem] = []
        self.rendered = 0

    def text(self, stop: ValidStop, field: str, value: str, kind: TextKind) -> Reading:
        if not value:
            return Reading("")
        key = (kind, value)
        cached = self._texts.get(key)
        if cached is None:
            try:
                cached = checked_reading(value, kind)
            except Exception as exc:  # a reading bug must name the row, not abort the load mid-way
                self.problems.append(Problem(stop.line, self._column(field), f"cannot render a reading: {exc}"))
                cached = Reading("")
            self._texts[key] = cached
        self.rendered += 1
        self._check_length(stop, field, cached.kana)
        return cached

    def notes(self, stop: ValidStop) -> str:
        """One reading line per note line (schedules/note_lines.py): a destination's notes are read
        out line by line, and only the lines this driver may hear."""
        return note_reading(stop.notes, lambda line: self.text(stop, "notes", line, "text").kana)

    def window(self, stop: ValidStop) -> str:
        if stop.window_start is None and stop.window_end is None:
            return ""
        key = (stop.window_start, stop.window_end)
        cached = self._windows.get(key)
        if cached is None:
            try:
                cached = window_reading(stop.window_start, stop.window_end)
            except Exception as exc:
                self.problems.append(Problem(stop.line, self._column("window_start"), f"cannot render: {exc}"))
                cached = ""
            self._windows[key] = cached
        self.rendered += 1
        self._check_length(stop, "window", cached)
        return cached

    def _check_length(self, stop: ValidStop, field: str, value: str) -> None:
        limit = MAX_READING.get(field)
        if limit is not None and len(value) > limit:
            column = self._column("window_start" if field == "window" else field)
            self.problems.append(Problem(stop.line, column, f"reading too long ({len(value)} kana, at most {limit})"))

    @property
    def distinct(self) -> int:
        return len(self._texts) + len(self._windows)


def render_readings(
    stops: list[ValidStop], columns: Callable[[str], str], progress: Progress | None = None
) -> Rendered:
    """Readings for every stop, in order. `columns` names a field as the file's header does."""
    renderer = _Renderer(columns)
    from_file = 0
    out: list[StopReadings] = []
    step = max(1, len(stops) // 100)
    for index, stop in enumerate(stops, start=1):
        if stop.address_kana is not None:
            from_file += 1
            address = Reading(stop.address_kana)
        else:
            address = renderer.text(stop, "destination_address", stop.destination_address, "address")
        if stop.cargo_kana is not None:
            from_file += 1
            cargo = stop.cargo_kana
        else:
            cargo = renderer.text(stop, "cargo", stop.cargo, "text").kana
        out.append(
            StopReadings(
                destination_name=renderer.text(stop, "destination_name", stop.destination_name, "text").kana,
                destination_address=address.kana,
                address_from_file=stop.address_kana is not None,
                address_uncertain=address.uncertain,
                window=renderer.window(stop),
                cargo=cargo,
                cargo_from_file=stop.cargo_kana is not None,
                notes=renderer.notes(stop),
            )
        )
        if progress is not None and (index % step == 0 or index == len(stops)):
            progress("rendering", index, len(stops))
    return Rendered(out, renderer.problems, renderer.rendered, from_file, renderer.distinct)
