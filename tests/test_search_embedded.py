"""The embedded destination index: written by schedule loads, replaced with them, floor-gated answers."""

from __future__ import annotations

from pathlib import Path

from guidance_support import DAY, TODAY_ROWS, load_days, load_rows
from sqlalchemy import func, select

from schedules.models import DestinationDocRow
from schedules.search.base import destination_key
from schedules.search.bigrams import bigrams, coverage_scores
from schedules.search.embedded import EmbeddedSearch


def test_bigrams_fold_width_and_keep_single_kanji() -> None:
    assert bigrams("バース") == bigrams("ﾊﾞｰｽ")
    assert "休" in bigrams("受付休止") and "休" in bigrams("休み")


def test_a_wordy_question_still_meets_short_notes() -> None:
    scores = coverage_scores("受付が休みになる時間はありますか", ["12時から13時は受付休止", "正門は使えません"])
    assert scores[0] >= 0.3 > scores[1]


def test_coverage_is_zero_without_shared_content_and_high_with_it() -> None:
    scores = coverage_scores("駐車場はどこですか", ["駐車場は北側です", "裏口の搬入口から入ってください"])
    assert scores[0] > 0.5
    assert scores[1] < 0.2


async def test_load_indexes_one_document_per_destination(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    async with sessionmaker() as session:
        n_today = await session.scalar(select(func.count()).select_from(DestinationDocRow)
                                       .where(DestinationDocRow.date == DAY))
        row = (await session.execute(select(DestinationDocRow).where(DestinationDocRow.name == "有明物流センター"))
               ).scalar_one()
    assert n_today == 5
    assert row.notes_kana and row.address_kana and "バース" in row.notes_kana


async def test_question_answered_from_the_destination_notes(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    search = EmbeddedSearch(sessionmaker)
    key = destination_key("有明物流センター", "東京都江東区有明3丁目5番7号")
    hits = await search.search(depot_id="default", date=DAY, text="駐車場はどこですか", destination_key=key)
    assert [h.doc.name for h in hits] == ["有明物流センター"]
    assert "北側" in hits[0].doc.notes


async def test_unrelated_question_is_below_the_floor(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    search = EmbeddedSearch(sessionmaker)
    key = destination_key("有明物流センター", "東京都江東区有明3丁目5番7号")
    assert await search.search(depot_id="default", date=DAY, text="食堂は何時まで開いていますか",
                               destination_key=key) == []


async def test_search_is_limited_to_the_requested_destination(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    search = EmbeddedSearch(sessionmaker)
    key = destination_key("三田ストア", "東京都目黒区三田1丁目2番3号")
    hits = await search.search(depot_id="default", date=DAY, text="守衛所で受付", destination_key=key)
    assert hits == []  # 守衛所 is another destination's note
    anywhere = await search.search(depot_id="default", date=DAY, text="守衛所で受付")
    assert [h.doc.name for h in anywhere][:1] == ["葛飾配送センター"]


async def test_reload_replaces_the_days_documents(sessionmaker, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    changed = [r.replace("守衛所で受付してください", "東門の受付で名前を伝えてください") for r in TODAY_ROWS]
    await load_rows(sessionmaker, tmp_path / "today-v2.csv", changed)
    search = EmbeddedSearch(sessionmaker)
    assert await search.search(depot_id="default", date=DAY, text="守衛所") == []
    hits = await search.search(depot_id="default", date=DAY, text="東門の受付")
    assert hits and hits[0].doc.name == "葛飾配送センター"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(DestinationDocRow)
                                    .where(DestinationDocRow.date == DAY)) == 5


async def test_schedules_load_command_indexes_the_day(sessionmaker, db_url, tmp_path: Path, monkeypatch) -> None:
    import asyncio

    from guidance_support import write_csv

    from ivr.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("AZURE_SEARCH_ENDPOINT", raising=False)
    path = write_csv(tmp_path / "cli.csv", TODAY_ROWS)
    assert await asyncio.to_thread(main, ["schedules", "load", str(path)]) == 0
    hits = await EmbeddedSearch(sessionmaker).search(depot_id="default", date=DAY, text="守衛所で受付")
    assert hits and hits[0].doc.name == "葛飾配送センター"


def test_destination_documents_keep_note_lines_aligned_with_their_readings() -> None:
    import datetime as dt

    from schedules.models import Stop
    from schedules.search.documents import documents_for_stops

    def stop(seq: int, notes: str, kana: str) -> Stop:
        return Stop(id=seq, stop_seq=seq, destination_name="A", destination_name_kana="エー",
                    destination_address="東京都", destination_address_kana="トウキョウト",
                    notes=notes, notes_kana=kana, cargo="", cargo_kana="")

    # Two different notes with the same reading must not shift later lines out of step.
    docs = documents_for_stops("default", dt.date(2026, 12, 1), [
        stop(1, "橋を渡る", "ハシヲワタル"), stop(2, "端を渡る", "ハシヲワタル"), stop(3, "裏口", "ウラグチ"),
        stop(4, "裏口", "ウラグチ"),
    ])
    (doc,) = docs
    assert doc.notes.split("\n") == ["橋を渡る", "端を渡る", "裏口"]
    assert doc.notes_kana.split("\n") == ["ハシヲワタル", "ハシヲワタル", "ウラグチ"]
