"""Azure AI Search backend, through the real `azure-search-documents` SDK.

The index is created (or updated) by the service itself with the `ja.microsoft` analyzer on the
Japanese text fields. Documents are keyed per depot, date and destination; a day's reload
uploads the new set and deletes what is no longer in it. Queries always filter by depot and date
(and destination when known), take the top k and drop anything under the score floor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.search.documents.aio import SearchClient
from azure.search.documents.indexes.aio import SearchIndexClient
from azure.search.documents.indexes.models import SearchField, SearchIndex

from schedules.search.base import DestinationDoc, SearchHit

JA_ANALYZER = "ja.microsoft"
DEFAULT_FLOOR = 1.0
_TEXT_FIELDS = ("name", "name_kana", "address", "address_kana", "notes", "notes_kana", "cargo_notes", "cargo_kana")


def odata_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def day_filter(depot_id: str, date: dt.date, destination_key: str | None = None) -> str:
    parts = [f"depot_id eq {odata_str(depot_id)}", f"date eq {odata_str(date.isoformat())}"]
    if destination_key:
        parts.append(f"destination_key eq {odata_str(destination_key)}")
    return " and ".join(parts)


def index_definition(name: str) -> SearchIndex:
    fields = [
        SearchField(name="id", type="Edm.String", key=True, filterable=True),
        SearchField(name="depot_id", type="Edm.String", filterable=True),
        SearchField(name="date", type="Edm.String", filterable=True),
        SearchField(name="destination_key", type="Edm.String", filterable=True),
    ] + [SearchField(name=f, type="Edm.String", searchable=True, analyzer_name=JA_ANALYZER) for f in _TEXT_FIELDS]
    return SearchIndex(name=name, fields=fields)


def to_document(doc: DestinationDoc) -> dict[str, Any]:
    return {
        "id": doc.doc_id, "depot_id": doc.depot_id, "date": doc.date.isoformat(),
        "destination_key": doc.destination_key, **{f: getattr(doc, f) for f in _TEXT_FIELDS},
    }


def from_document(d: dict[str, Any]) -> DestinationDoc:
    return DestinationDoc(
        depot_id=d["depot_id"], date=dt.date.fromisoformat(d["date"]), destination_key=d["destination_key"],
        **{f: str(d.get(f) or "") for f in _TEXT_FIELDS},
    )


class AzureDestinationSearch:
    def __init__(self, endpoint: str, key: str, index_name: str, score_floor: float = DEFAULT_FLOOR) -> None:
        self.endpoint, self.index_name, self.score_floor = endpoint, index_name, score_floor
        self._credential = AzureKeyCredential(key)
        self._index_ready = False

    def _client(self) -> SearchClient:
        return SearchClient(self.endpoint, self.index_name, self._credential)

    async def ensure_index(self) -> None:
        if self._index_ready:
            return
        async with SearchIndexClient(self.endpoint, self._credential) as client:
            await client.create_or_update_index(index_definition(self.index_name))
        self._index_ready = True

    async def replace_day(self, depot_id: str, date: dt.date, docs: list[DestinationDoc]) -> None:
        await self.ensure_index()
        new = [to_document(d) for d in docs]
        keep = {d["id"] for d in new}
        async with self._client() as client:
            old_ids = [r["id"] async for r in await client.search(
                search_text="*", filter=day_filter(depot_id, date), select=["id"], top=1000)]
            if new:
                await client.merge_or_upload_documents(documents=new)
            stale = [{"id": i} for i in old_ids if i not in keep]
            if stale:
                await client.delete_documents(documents=stale)

    async def search(self, *, depot_id: str, date: dt.date, text: str,
                     destination_key: str | None = None, top: int = 3) -> list[SearchHit]:
        await self.ensure_index()
        hits: list[SearchHit] = []
        async with self._client() as client:
            results = await client.search(search_text=text, filter=day_filter(depot_id, date, destination_key),
                                          top=top, search_mode="any")
            async for r in results:
                score = float(r.get("@search.score") or 0.0)
                if score >= self.score_floor:
                    hits.append(SearchHit(from_document(r), score))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:top]
