"""The one line rule for multi-line notes, and the pairing of a note's lines with their readings.

A dispatcher's note is often several lines in one cell (Alt+Enter in Excel gives "\\n"; a CSV
written on Windows carries "\\r\\n", an old Mac's "\\r", a pasted web text U+2028). A destination
gathers the notes of every stop there, some written for other drivers, and a driver hears only
the lines they may (see `ivr.guidance.schedule_view.notes_heard_at`). So the reading of a note
must keep one reading line per text line, and whatever pairs them must refuse to guess: a text
line paired with the wrong reading line reads out someone else's note.

Everything that splits a note or its reading into lines uses this module: the rendering at load
(`note_reading`), the destination documents at index time and the answer at question time
(`paired_lines`), the allow-filter (`note_lines`), and the console's per-line reading overrides.
"""

from __future__ import annotations

from collections.abc import Callable

# Every character str.splitlines() breaks on: LF, CR (and CR LF), VT, FF, FS, GS, RS, NEL, U+2028, U+2029.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
READING_LINE_BREAK = "\n"  # how the lines of a stored reading (Stop.notes_kana) are joined


def note_lines(text: str | None) -> list[str]:
    """The note's lines as drivers hear them: split at any line break, each line's own spaces
    trimmed, empty lines dropped. Two notes that differ only in their breaks have the same lines."""
    if not text:
        return []
    return [line for line in (raw.strip() for raw in text.splitlines()) if line]


def note_reading(text: str | None, read_line: Callable[[str], str]) -> str:
    """The stored reading of a note: each line read on its own, one reading line per text line,
    joined with "\\n". A line whose reading is empty is read as nothing but keeps its place, so
    the pairing below still holds."""
    return READING_LINE_BREAK.join(" ".join(read_line(line).split()) for line in note_lines(text))


def reading_lines(kana: str | None) -> list[str]:
    """The reading lines of a stored reading: split on "\\n" only, each kept (even an empty one),
    since line i is the reading of text line i."""
    if not kana:
        return []
    return [" ".join(line.split()) for line in kana.split(READING_LINE_BREAK)]


def paired_lines(text: str | None, kana: str | None) -> list[tuple[str, str]] | None:
    """(text line, its reading) for every line of a note, or None when the counts differ (a
    reading stored by an older load, or edited by hand without its lines): the caller then uses
    nothing of this note, never a line that may belong to its neighbour."""
    texts, kanas = note_lines(text), reading_lines(kana)
    if len(texts) != len(kanas):
        return None
    return list(zip(texts, kanas, strict=True))
