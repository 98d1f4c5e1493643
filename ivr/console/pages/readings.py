"""読み上げ確認: every reading of a day marked by its source, fixed in place and reverted.

The fix itself (validation, who and when, the stops and the search index rewritten at once) is
`schedules.overrides`; this page only reads the form, words the outcome in Japanese and sends the
browser back to the list (post/redirect/get), so a reload never saves a fix twice. Plain forms,
no script: each row's form carries the CSRF token and works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ivr.console.guard import signed_in
from ivr.console.state import console_state, db
from schedules.overrides import (
    IndexTarget,
    OverrideRefused,
    ReadingChange,
    history_for,
    loaded_dates,
    readings_for_date,
    revert_override,
    set_override,
)
from schedules.overrides.listing import SOURCES
from schedules.search.base import DestinationSearch

log = logging.getLogger("ivr.console")

# Rows per page: a big depot's day holds tens of thousands of readings, and one page of forms must
# stay light on a tablet. Uncertain readings come first, so the first page is the one to check.
PAGE_SIZE = 300
KIND_LABELS = {"destination": "届け先", "address": "住所", "window": "到着時間", "cargo": "積荷", "notes": "備考"}
SOURCE_LABELS = {"uncertain": "要確認", "rule": "規則", "file": "ファイル", "override": "修正済み"}
REFUSALS = {
    "empty": "読みが空です。カタカナかひらがなで入力してください。",
    "not_kana": "読みはカタカナかひらがなで入力してください。使えない文字: {detail}",
    "too_long": "読みが長すぎます（{detail}文字まで）。",
    "unknown_kind": "この項目の読みは直せません。",
    "unknown_text": "この文字を含む予定が見つかりません。ページを読み込み直してください。",
    "file_reading": ("この読みは予定ファイルの読み（住所カナ・積荷カナ列）です。"
                     "ファイルを直して取り込み直してください。"),
    "unchanged": "いまと同じ読みです。変更はありません。",
    "text_too_long": "この文字は長すぎて、ここでは直せません（{detail}文字まで）。予定ファイルを直してください。",
    "not_active": "この修正はすでに元に戻されたか、別の修正に置き換えられています。",
}


@dataclass
class _SearchHandle:
    """The console's search backend, built once on first use (Azure's client checks its index once)."""

    search: DestinationSearch | None = field(default=None)


_SEARCH: web.AppKey[_SearchHandle] = web.AppKey("console_readings_search", _SearchHandle)


def register(app: web.Application) -> None:
    app[_SEARCH] = _SearchHandle()
    app.router.add_get("/readings", readings_page, name="readings")
    app.router.add_post("/readings/fix", fix_reading)
    app.router.add_post("/readings/revert", revert_reading)


def _today(request: web.Request) -> dt.date:
    return dt.datetime.now(ZoneInfo(console_state(request).config.timezone)).date()


def _index(request: web.Request) -> IndexTarget:
    config = console_state(request).config
    handle = request.app[_SEARCH]
    if handle.search is None:
        handle.search = config.search.make(db(request))
    return IndexTarget(config.depot_id, handle.search)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise web.HTTPBadRequest(text="日付は YYYY-MM-DD で指定してください。") from None


def _source(value: str | None) -> str | None:
    return value if value in SOURCES else None


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")


async def _render(request: web.Request, date: dt.date | None, source: str | None, *, page: int = 1,
                  error: str = "", status: int = 200) -> web.Response:
    sm = db(request)
    dates = await loaded_dates(sm)
    date = date or (dates[0] if dates else None)
    everything = await readings_for_date(sm, date) if date else None
    matching = [i for i in everything or [] if source is None or i.source == source]
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(max(1, page), pages)
    items = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    history = await history_for(sm, {(i.kind, i.text) for i in items if i.kind != "window"})
    zone = ZoneInfo(console_state(request).config.timezone)
    context: dict[str, Any] = {
        "date": date, "dates": dates, "source": source, "items": items, "loaded": everything is not None,
        "page": page, "pages": pages, "matching": len(matching), "first": (page - 1) * PAGE_SIZE + 1,
        "counts": Counter(i.source for i in everything or []), "total": len(everything or []),
        "history": {key: [{"at": _local(h.created_at, zone), "by": h.created_by, "old": h.previous_reading,
                           "new": h.reading, "reverted_at": _local(h.reverted_at, zone),
                           "reverted_by": h.reverted_by or ""} for h in rows]
                    for key, rows in history.items()},
        "kinds": KIND_LABELS, "sources": SOURCE_LABELS, "source_order": SOURCES, "error": error,
        "done": request.query.get("done", ""), "changed": request.query.get("n", ""),
        "index_warning": request.query.get("warn") == "1",
    }
    response = aiohttp_jinja2.render_template("readings.html", request, context)
    response.set_status(status)
    return response


async def readings_page(request: web.Request) -> web.StreamResponse:
    return await _render(request, _date(request.query.get("date")), _source(request.query.get("source")),
                         page=_page(request.query.get("page")))


def _back(date: dt.date, source: str | None, page: int, done: str, change: ReadingChange) -> web.HTTPSeeOther:
    query = {"date": date.isoformat(), **({"source": source} if source else {}),
             **({"page": str(page)} if page > 1 else {}), "done": done,
             "n": str(change.stops_changed), **({"warn": "1"} if change.warnings else {})}
    return web.HTTPSeeOther(f"/console/readings?{urlencode(query)}")


def _refused(refused: OverrideRefused) -> str:
    return REFUSALS.get(refused.reason, "保存できませんでした。").format(detail=refused.detail)


def _page(value: object) -> int:
    text = str(value or "1")
    return int(text) if text.isdigit() else 1


async def _form(request: web.Request) -> tuple[Any, dt.date, str | None, int]:
    """The posted fields, the page's date, its filter and page number (to go back to the same list)."""
    form = await request.post()
    date, source = _date(str(form.get("date", ""))), _source(str(form.get("source", "")))
    if date is None:
        raise web.HTTPBadRequest(text="日付がありません。")
    return form, date, source, _page(form.get("page"))


async def fix_reading(request: web.Request) -> web.StreamResponse:
    form, date, source, page = await _form(request)
    try:
        change = await set_override(db(request), kind=str(form.get("kind", "")), text=str(form.get("text", "")),
                                    reading=str(form.get("reading", "")), user=signed_in(request).name,
                                    since=min(date, _today(request)), index=_index(request))
    except OverrideRefused as refused:
        return await _render(request, date, source, page=page,
                             error=f"「{form.get('text', '')}」: {_refused(refused)}", status=400)
    log.info("reading fixed: override %d (%s), %d stops, by user %d", change.override_id, change.kind,
             change.stops_changed, signed_in(request).user_id)
    raise _back(date, source, page, "fixed", change)


async def revert_reading(request: web.Request) -> web.StreamResponse:
    form, date, source, page = await _form(request)
    try:
        override_id = int(str(form.get("override_id", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="元に戻す修正が指定されていません。") from None
    try:
        change = await revert_override(db(request), override_id=override_id, user=signed_in(request).name,
                                       since=min(date, _today(request)), index=_index(request))
    except OverrideRefused as refused:
        return await _render(request, date, source, page=page, error=_refused(refused), status=409)
    log.info("reading fix reverted: override %d (%s), %d stops, by user %d", change.override_id, change.kind,
             change.stops_changed, signed_in(request).user_id)
    raise _back(date, source, page, "reverted", change)
