"""The Azure AI Search backend through the real SDK, against the local REST stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from guidance_support import DAY, NEXT_DAY, TODAY_ROWS, load_days, load_rows, write_csv

from ivr.cli import main
from ivr.config import SearchConfig
from ivr.settings import load_settings
from ivr.sim.azure_search_standin import AzureSearchStandin, parse_filter, start_standin
from schedules.review import review_rows
from schedules.search.azure import AzureDestinationSearch, day_filter
from schedules.search.base import destination_key
from schedules.search.indexing import index_after_commit, load_and_index

ARIAKE = destination_key("有明物流センター", "東京都江東区有明3丁目5番7号")


@pytest.fixture
async def standin() -> AsyncIterator[tuple[AzureSearchStandin, str]]:
    s, runner, url = await start_standin()
    yield s, url
    await runner.cleanup()


def test_filter_round_trip() -> None:
    f = day_filter("depot-1", DAY, "k'1")
    assert parse_filter(f) == [("depot_id", "depot-1"), ("date", "2026-12-01"), ("destination_key", "k'1")]


async def test_index_is_created_with_a_japanese_analyzer(standin) -> None:
    s, url = standin
    search = AzureDestinationSearch(url, "standin-key", "destinations")
    await search.ensure_index()
    fields = {f["name"]: f for f in s.indexes["destinations"].definition["fields"]}
    assert fields["id"]["key"] is True
    assert fields["notes"]["analyzer"] == "ja.microsoft" and fields["notes"]["searchable"] is True
    assert fields["date"]["filterable"] is True


async def test_loaded_day_is_uploaded_and_answers_a_question(sessionmaker, tmp_path: Path, standin) -> None:
    s, url = standin
    settings = load_settings(azure_search_endpoint=url, azure_search_key="standin-key")
    search = SearchConfig.from_settings(settings).make(sessionmaker)
    assert isinstance(search, AzureDestinationSearch)
    await load_days(sessionmaker, tmp_path)
    assert await index_after_commit(search, sessionmaker, "default", DAY) == 5
    assert await index_after_commit(search, sessionmaker, "default", NEXT_DAY) == 1
    assert len(s.indexes["destinations"].docs) == 6
    hits = await search.search(depot_id="default", date=DAY, text="駐車場はどこですか", destination_key=ARIAKE)
    assert [h.doc.name for h in hits] == ["有明物流センター"]
    assert "バース" in hits[0].doc.notes_kana and hits[0].score >= search.score_floor
    assert ("POST", "/indexes('destinations')/docs/search.post.search") in s.requests


async def test_below_the_floor_is_no_answer(sessionmaker, tmp_path: Path, standin) -> None:
    _, url = standin
    search = AzureDestinationSearch(url, "standin-key", "destinations")
    await load_days(sessionmaker, tmp_path)
    await index_after_commit(search, sessionmaker, "default", DAY)
    assert await search.search(depot_id="default", date=DAY, text="食堂は何時まで開いていますか",
                               destination_key=ARIAKE) == []


async def test_reload_deletes_destinations_no_longer_in_the_day(sessionmaker, tmp_path: Path, standin) -> None:
    s, url = standin
    search = AzureDestinationSearch(url, "standin-key", "destinations")
    await load_days(sessionmaker, tmp_path)
    await index_after_commit(search, sessionmaker, "default", DAY)
    await index_after_commit(search, sessionmaker, "default", NEXT_DAY)
    await load_rows(sessionmaker, tmp_path / "smaller.csv", TODAY_ROWS[:2])
    await index_after_commit(search, sessionmaker, "default", DAY)
    dates = sorted(d["date"] for d in s.indexes["destinations"].docs.values())
    assert dates == ["2026-12-01", "2026-12-01", "2026-12-02"]


async def test_wrong_key_is_refused(standin) -> None:
    _, url = standin
    search = AzureDestinationSearch(url, "wrong", "destinations")
    with pytest.raises(HttpResponseError):
        await search.ensure_index()


async def test_loaded_schedule_stays_when_the_index_upload_fails_and_the_command_warns(
    sessionmaker, db_url: str, tmp_path: Path, standin, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The loader returns the failure (no printing below ivr/commands); `ivr schedules load` shows it."""
    s, url = standin
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("AZURE_SEARCH_ENDPOINT", url)
    monkeypatch.setenv("AZURE_SEARCH_KEY", "wrong-key")
    path = write_csv(tmp_path / "today.csv", TODAY_ROWS)
    assert await asyncio.to_thread(main, ["schedules", "load", str(path)]) == 0
    out = capsys.readouterr()
    assert "loaded 2026-12-01 as version 1" in out.out
    assert "warning: the schedule is loaded but the destination search index was not updated" in out.err
    assert s.indexes.get("destinations") is None or not s.indexes["destinations"].docs
    assert await review_rows(sessionmaker, DAY)  # the schedule itself was committed

    report = await load_and_index(sessionmaker, path, depot_id="default",
                                  search=AzureDestinationSearch(url, "standin-key", "destinations"))
    assert report.outcome == "unchanged" and report.warnings == []  # the retry the warning asks for
    assert len(s.indexes["destinations"].docs) == 5
