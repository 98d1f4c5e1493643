"""The four kinds of text a dispatcher can fix, and where each one's text and reading sit in a stop.

A note is fixed line by line: a destination's notes gather lines written for several drivers,
and the one line rule (`schedules.note_lines`) keeps line i of the reading paired with line i
of the text, so a fixed line replaces exactly its own reading line. The arrival window is read by
rule from the times and is not a text anyone types, so it has no override.
"""

from __future__ import annotations

from typing import Literal, get_args

from schedules.models import Stop
from schedules.note_lines import note_lines, note_reading, paired_lines
from schedules.readings import Reading, ReadingKind, checked_reading

OverrideKind = Literal["destination", "address", "cargo", "notes"]
OVERRIDE_KINDS: tuple[str, ...] = get_args(OverrideKind)

# Longest reading each kind may hold (the stops' and the override table's column sizes).
MAX_OVERRIDE: dict[str, int] = {"destination": 400, "address": 800, "cargo": 800, "notes": 800}


def reading_kind(kind: str) -> ReadingKind:
    """How the rules read a text of this kind: addresses with Japan Post's data, the rest as text."""
    return "address" if kind == "address" else "text"


def rule_reading(kind: str, text: str) -> Reading:
    """The reading the rules give, as the loader renders it (pyopenjtalk: run it off the event loop)."""
    found = checked_reading(text, reading_kind(kind))
    return Reading(" ".join(found.kana.split()), found.uncertain) if kind == "notes" else found


def texts_of(stop: Stop, kind: str) -> list[str]:
    """The texts of that kind a stop carries: one, or a note's lines; none when the field is empty."""
    if kind == "notes":
        return note_lines(stop.notes)
    text = {"destination": stop.destination_name, "address": stop.destination_address, "cargo": stop.cargo}[kind]
    return [text] if text else []


def typed_in_file(stop: Stop, kind: str) -> bool:
    """The reading came from the file's kana column: the file's explicit choice, which an override never replaces."""
    return (kind == "address" and stop.address_kana_from_file) or (kind == "cargo" and stop.cargo_kana_from_file)


def reading_in(stop: Stop, kind: str, text: str) -> str:
    """The reading drivers hear for `text` on this stop ("" when a note's lines don't pair)."""
    if kind == "notes":
        return dict(paired_lines(stop.notes, stop.notes_kana) or []).get(text, "")
    return {"destination": stop.destination_name_kana, "address": stop.destination_address_kana,
            "cargo": stop.cargo_kana}[kind]


def rewrite(stop: Stop, kind: str, text: str, reading: Reading) -> bool:
    """Make `reading` what drivers hear for `text` on this stop; False when the stop doesn't carry
    the text or its reading was typed in the file. The address's uncertain mark follows the
    reading: a typed reading is never a dictionary's guess, a restored rendering is what it was."""
    if text not in texts_of(stop, kind) or typed_in_file(stop, kind):
        return False
    if kind == "destination":
        stop.destination_name_kana = reading.kana
    elif kind == "address":
        stop.destination_address_kana, stop.address_kana_uncertain = reading.kana, reading.uncertain
    elif kind == "cargo":
        stop.cargo_kana = reading.kana
    else:
        heard = dict(paired_lines(stop.notes, stop.notes_kana) or [])
        stop.notes_kana = note_reading(
            stop.notes,
            lambda line: reading.kana if line == text else heard.get(line) or rule_reading("notes", line).kana,
        )
    return True
