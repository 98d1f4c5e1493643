"""A local stand-in of the Azure AI Search REST API, enough for the real SDK to run against it.

It speaks the paths the `azure-search-documents` client calls (index create/get/delete,
`docs/search.index` with upload/merge/mergeOrUpload/delete, `docs/search.post.search`), checks
the `api-key` header, and understands the simple `field eq 'value' and ...` filters this service
emits. Scoring is BM25-flavoured over character bigrams so `@search.score` behaves like a score:
higher for more (and rarer) shared terms, 0 for none. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ivr.sim.local_site import start_local_site
from schedules.search.bigrams import bigrams, gram_weight

_INDEX_PATH = re.compile(r"^/indexes(?:\('(?P<name>[^']+)'\)|/(?P<name2>[^/('\s]+))?(?P<rest>/.*)?$")
_EQ = re.compile(r"^\s*(?P<field>[A-Za-z_][A-Za-z0-9_]*)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$")


class FilterError(ValueError):
    pass


def parse_filter(expr: str | None) -> list[tuple[str, str]]:
    """`a eq 'x' and b eq 'y'` → [("a", "x"), ("b", "y")]; anything else is refused, as Azure would."""
    if not expr:
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", expr.strip()):
        m = _EQ.match(part)
        if not m:
            raise FilterError(f"unsupported filter clause: {part!r}")
        clauses.append((m["field"], m["value"].replace("''", "'")))
    return clauses


@dataclass
class Index:
    definition: dict[str, Any]
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def key_field(self) -> str:
        return next(f["name"] for f in self.definition.get("fields", []) if f.get("key"))

    @property
    def searchable(self) -> list[str]:
        return [f["name"] for f in self.definition.get("fields", [])
                if f.get("searchable") or (f.get("searchable") is None and f.get("type") == "Edm.String"
                                           and not f.get("key") and not f.get("filterable"))]


def score_docs(query: str, docs: list[dict[str, Any]], fields: list[str]) -> list[float]:
    q = set(bigrams(query))
    sets = [set(bigrams("\n".join(str(d.get(f) or "") for f in fields))) for d in docs]
    n = len(sets)
    scores = []
    for s in sets:
        total = 0.0
        for g in q & s:
            df = sum(1 for other in sets if g in other)
            total += gram_weight(g) * math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        scores.append(round(total, 4))
    return scores


class AzureSearchStandin:
    def __init__(self, api_key: str = "standin-key") -> None:
        self.api_key = api_key
        self.indexes: dict[str, Index] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) seen, for tests

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    @staticmethod
    def _error(status: int, code: str, message: str) -> web.Response:
        return web.json_response({"error": {"code": code, "message": message}}, status=status)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.headers.get("api-key") != self.api_key:
            return self._error(403, "Forbidden", "missing or wrong api-key")
        if "api-version" not in request.query:
            return self._error(400, "MissingApiVersionParameter", "api-version is required")
        m = _INDEX_PATH.match(request.path)
        if not m:
            return self._error(404, "NotFound", f"no such resource {request.path}")
        name, rest = m["name"] or m["name2"], m["rest"] or ""
        body: Any = None
        if request.can_read_body:
            try:
                body = await request.json()
            except json.JSONDecodeError:
                return self._error(400, "InvalidRequest", "body is not JSON")
        if name is None:
            if request.method == "POST":
                return self._put_index(str(body.get("name", "")), body)
            if request.method == "GET":
                return web.json_response({"value": [i.definition for i in self.indexes.values()]})
            return self._error(405, "MethodNotAllowed", request.method)
        if rest == "":
            if request.method == "PUT":
                return self._put_index(name, body)
            if request.method == "GET":
                idx = self.indexes.get(name)
                return web.json_response(idx.definition) if idx else self._error(404, "NotFound", name)
            if request.method == "DELETE":
                return web.Response(status=204) if self.indexes.pop(name, None) else self._error(404, "NotFound", name)
        idx = self.indexes.get(name)
        if idx is None:
            return self._error(404, "IndexNotFound", f"index {name!r} not found")
        if rest == "/docs/search.index" and request.method == "POST":
            return self._index_docs(idx, body)
        if rest == "/docs/search.post.search" and request.method == "POST":
            return self._search(idx, body or {})
        if rest == "/docs/$count" and request.method == "GET":
            return web.Response(text=str(len(idx.docs)))
        return self._error(404, "NotFound", f"no such resource {request.path}")

    def _put_index(self, name: str, body: Any) -> web.Response:
        if not isinstance(body, dict) or not any(f.get("key") for f in body.get("fields", [])):
            return self._error(400, "InvalidIndex", "an index needs fields with exactly one key")
        definition = {**body, "name": name, "@odata.etag": '"0x1"'}
        created = name not in self.indexes
        if created:
            self.indexes[name] = Index(definition)
        else:
            self.indexes[name].definition = definition
        return web.json_response(definition, status=201 if created else 200)

    def _index_docs(self, idx: Index, body: Any) -> web.Response:
        key_field, results = idx.key_field, []
        for action in (body or {}).get("value", []):
            kind = action.get("@search.action", "upload")
            doc = {k: v for k, v in action.items() if not k.startswith("@")}
            key = str(doc.get(key_field, ""))
            if not key:
                results.append({"key": "", "status": False, "errorMessage": "missing key", "statusCode": 400})
                continue
            exists = key in idx.docs
            if kind == "delete":
                idx.docs.pop(key, None)
                results.append({"key": key, "status": True, "errorMessage": None, "statusCode": 200})
            elif kind == "merge" and not exists:
                results.append({"key": key, "status": False, "errorMessage": "not found", "statusCode": 404})
            elif kind in ("merge", "mergeOrUpload") and exists:
                idx.docs[key].update(doc)
                results.append({"key": key, "status": True, "errorMessage": None, "statusCode": 200})
            else:  # upload, or mergeOrUpload of a new document
                idx.docs[key] = doc
                results.append({"key": key, "status": True, "errorMessage": None, "statusCode": 201})
        return web.json_response({"value": results})

    def _search(self, idx: Index, body: dict[str, Any]) -> web.Response:
        try:
            clauses = parse_filter(body.get("filter"))
        except FilterError as exc:
            return self._error(400, "InvalidRequestParameter", str(exc))
        docs = [d for d in idx.docs.values() if all(str(d.get(f)) == v for f, v in clauses)]
        text = (body.get("search") or "*").strip()
        if text == "*":
            scored = [(1.0, d) for d in docs]
        else:
            fields = body.get("searchFields")
            fields = fields.split(",") if isinstance(fields, str) else (fields or idx.searchable)
            # Rarity is judged over the whole index, like Azure's per-shard statistics.
            everything = list(idx.docs.values())
            all_scores = dict(zip((id(d) for d in everything), score_docs(text, everything, fields), strict=True))
            scored = [(all_scores[id(d)], d) for d in docs if all_scores[id(d)] > 0]
        scored.sort(key=lambda t: t[0], reverse=True)
        skip, top = int(body.get("skip") or 0), int(body.get("top") or 50)
        select = body.get("select")
        wanted = select.split(",") if isinstance(select, str) else select
        value = []
        for score, d in scored[skip : skip + top]:
            row = {k: v for k, v in d.items() if not wanted or k in wanted}
            value.append({"@search.score": score, **row})
        return web.json_response({"value": value})


async def start_standin(port: int = 0, api_key: str = "standin-key") -> tuple[AzureSearchStandin, web.AppRunner, str]:
    """Start on 127.0.0.1; returns the stand-in, its runner (to clean up) and its endpoint URL."""
    standin = AzureSearchStandin(api_key)
    runner, bound = await start_local_site(standin.app(), port=port)
    return standin, runner, f"http://127.0.0.1:{bound}"
