"""The interface every destination search backend implements, and the document it indexes."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Protocol


def destination_key(name: str, address: str) -> str:
    """A stable ASCII key for one destination (usable in Azure document keys and filters)."""
    return hashlib.sha1(f"{name}\x1f{address}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DestinationDoc:
    """One destination on one depot's day. Kana fields are what may be spoken."""

    depot_id: str
    date: dt.date
    destination_key: str
    name: str
    name_kana: str
    address: str
    address_kana: str
    notes: str  # access notes as written by the dispatcher
    notes_kana: str
    cargo_notes: str
    cargo_kana: str

    @property
    def doc_id(self) -> str:
        return f"{self.depot_id}-{self.date:%Y%m%d}-{self.destination_key}"

    def searchable_text(self) -> str:
        return "\n".join((self.name, self.name_kana, self.address, self.notes, self.notes_kana, self.cargo_notes))


@dataclass(frozen=True)
class SearchHit:
    doc: DestinationDoc
    score: float


class DestinationSearch(Protocol):
    """Top-k destination documents above the backend's score floor; an empty list means "I don't know"."""

    score_floor: float

    async def replace_day(self, depot_id: str, date: dt.date, docs: list[DestinationDoc]) -> None:
        """Make `docs` the whole index for that depot and date (a reload replaces, never appends)."""
        ...

    async def search(self, *, depot_id: str, date: dt.date, text: str,
                     destination_key: str | None = None, top: int = 3) -> list[SearchHit]:
        ...
