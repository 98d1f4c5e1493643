"""What the caller has actually heard, from Twilio's mark echoes, not from clocks.

Each audio chunk sent to Twilio is followed by a mark naming it; Twilio echoes the mark when the
chunk has played. On `clear` Twilio echoes every pending mark at once although that audio never
played, so the heard position is captured before clearing and those echoes are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BYTES_PER_MS = 8  # μ-law, 8 kHz, one byte per sample


@dataclass(frozen=True)
class TruncateDecision:
    """What to tell the model about a cut-off item: truncate at the heard position, delete, or nothing."""

    action: Literal["truncate", "delete", "none"]
    item_id: str
    content_index: int = 0
    audio_end_ms: int = 0


@dataclass
class _ItemAudio:
    content_index: int
    received_bytes: int = 0
    played_bytes: int = 0
    complete: bool = False


class PlaybackTracker:
    def __init__(self) -> None:
        self._items: dict[str, _ItemAudio] = {}
        self._pending: dict[str, tuple[str, int]] = {}  # mark name -> (item id, item bytes at its end)
        self._seq = 0
        self._current: str | None = None

    @property
    def playing(self) -> bool:
        """Audio sent to Twilio that has not played yet."""
        return bool(self._pending)

    @property
    def current_item(self) -> str | None:
        return self._current

    def chunk_sent(self, item_id: str, nbytes: int, content_index: int = 0) -> str:
        """Account for one chunk; returns the mark name to send right after it."""
        self.audio_sent(item_id, nbytes, content_index)
        return self.mark(item_id)

    def audio_sent(self, item_id: str, nbytes: int, content_index: int = 0) -> None:
        """Account for one chunk sent without a mark of its own (a later mark of the item covers it)."""
        item = self._items.get(item_id)
        if item is None:
            item = self._items[item_id] = _ItemAudio(content_index)
        item.received_bytes += nbytes
        self._current = item_id

    def mark(self, item_id: str) -> str:
        """The name of a mark to send now: its echo means the item played up to what was sent of it."""
        self._seq += 1
        name = f"m{self._seq}"
        self._pending[name] = (item_id, self._items[item_id].received_bytes)
        return name

    def item_complete(self, item_id: str) -> None:
        """The model sent all of this item's audio."""
        if item_id in self._items:
            self._items[item_id].complete = True

    def mark_played(self, name: str) -> bool:
        """A mark echo; returns False for marks that were cleared or never sent (they count for nothing)."""
        entry = self._pending.pop(name, None)
        if entry is None:
            return False
        item_id, end = entry
        item = self._items[item_id]
        item.played_bytes = max(item.played_bytes, end)
        return True

    def played_ms(self, item_id: str) -> int:
        item = self._items.get(item_id)
        return item.played_bytes // BYTES_PER_MS if item else 0

    def received_ms(self, item_id: str) -> int:
        item = self._items.get(item_id)
        return item.received_bytes // BYTES_PER_MS if item else 0

    def clear(self) -> TruncateDecision | None:
        """Call just before sending Twilio `clear`: freezes the heard position and forgets pending marks."""
        self._pending.clear()
        item_id, self._current = self._current, None
        if item_id is None:
            return None
        item = self._items[item_id]
        played_ms = item.played_bytes // BYTES_PER_MS
        received_ms = item.received_bytes // BYTES_PER_MS
        if played_ms <= 0:
            return TruncateDecision("delete", item_id)
        if item.complete and item.played_bytes >= item.received_bytes:
            return TruncateDecision("none", item_id)
        return TruncateDecision("truncate", item_id, item.content_index, min(played_ms, received_ms))
