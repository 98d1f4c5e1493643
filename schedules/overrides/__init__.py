"""Dispatchers' fixes of readings: what drivers hear instead of the rendered kana, and its history.

A fix (a `ReadingOverride`) is keyed by the kind of field and the text as written, never by stop,
so one fix covers every stop that carries the text and carries over to the next load of a
schedule whose text is unchanged. Precedence, from strongest: a reading typed in the schedule
file's kana column for that row (the file's explicit choice), then an active override, then the
rendering rules. See docs/console.md.

- `kana_input`: what a dispatcher may type as a reading (pure);
- `fields`: the four kinds of text and how each sits in a stop (pure);
- `at_load`: the loader's step that applies active overrides to freshly rendered readings (pure);
- `listing`: every reading of a date with its source, for the console and the review;
- `changes`: set and revert an override, rewriting the current stops and the search index at once.
"""

from schedules.overrides.changes import IndexTarget, ReadingChange, revert_override, set_override
from schedules.overrides.fields import OVERRIDE_KINDS, OverrideKind
from schedules.overrides.kana_input import OverrideRefused, checked_override_reading
from schedules.overrides.listing import ReadingItem, Source, history_for, loaded_dates, readings_for_date

__all__ = [
    "OVERRIDE_KINDS", "IndexTarget", "OverrideKind", "OverrideRefused", "ReadingChange", "ReadingItem", "Source",
    "checked_override_reading", "history_for", "loaded_dates", "readings_for_date", "revert_override", "set_override",
]
