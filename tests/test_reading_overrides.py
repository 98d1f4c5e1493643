"""A dispatcher's fix of a reading: validated, recorded, in force at once (stops and search index),
revertible, and carried over to the next load; on both database backends and both search backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from guidance_support import DAY, NEXT_DAY, TODAY_ROWS, TOMORROW_ROWS, load_rows
from schedule_samples import stop, write_csv
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.sim.azure_search_standin import AzureSearchStandin, start_standin
from schedules.loader import load_schedule
from schedules.models import DestinationDocRow, ReadingOverride, Stop
from schedules.overrides import (
    IndexTarget,
    OverrideRefused,
    ReadingChange,
    checked_override_reading,
    history_for,
    readings_for_date,
    revert_override,
    set_override,
)
from schedules.readings import reading
from schedules.search.azure import AzureDestinationSearch
from schedules.search.base import destination_key
from schedules.search.embedded import EmbeddedSearch
from schedules.search.indexing import embedded_on_loaded

Sessions = async_sessionmaker[AsyncSession]
KATSUSHIKA = "東京都葛飾区新宿2丁目1番1号"
ARIAKE_NOTES = "3番バースに着けてください。駐車場は北側です"


def target(sessionmaker: Sessions) -> IndexTarget:
    return IndexTarget("default", EmbeddedSearch(sessionmaker))


async def fix(sessionmaker: Sessions, kind: str, text: str, kana: str, *, user: str = "yamada", since: dt.date = DAY,
              index: IndexTarget | None = None) -> ReadingChange:
    return await set_override(sessionmaker, kind=kind, text=text, reading=kana, user=user, since=since,
                              index=index or target(sessionmaker))


async def stops_where(sessionmaker: Sessions, **where: str) -> list[Stop]:
    async with sessionmaker() as session:
        stmt = select(Stop).order_by(Stop.schedule_day_id, Stop.source_line)
        for name, value in where.items():
            stmt = stmt.where(getattr(Stop, name) == value)
        return list((await session.scalars(stmt)).all())


async def doc_for(sessionmaker: Sessions, date: dt.date, name: str, address: str) -> DestinationDocRow:
    async with sessionmaker() as session:
        row = await session.scalar(select(DestinationDocRow).where(
            DestinationDocRow.date == date, DestinationDocRow.destination_key == destination_key(name, address)))
    assert row is not None
    return row


# --- what may be typed ---------------------------------------------------------------------------


def test_hiragana_and_half_width_kana_are_stored_as_katakana() -> None:
    assert checked_override_reading("にいじゅく　にちょうめ", 800) == "ニイジュク ニチョウメ"
    assert checked_override_reading("ﾆｲｼﾞｭｸ", 800) == "ニイジュク"


@pytest.mark.parametrize(("raw", "reason"), [("", "empty"), ("   ", "empty"), ("、", "empty"),
                                             ("新宿", "not_kana"), ("ニイジュク2", "not_kana"),
                                             ("abc", "not_kana"), ("ア" * 801, "too_long")])
def test_a_reading_that_is_not_kana_is_refused_with_its_reason(raw: str, reason: str) -> None:
    with pytest.raises(OverrideRefused) as refused:
        checked_override_reading(raw, 800)
    assert refused.value.reason == reason


def test_the_refusal_names_the_characters_at_fault() -> None:
    with pytest.raises(OverrideRefused, match="新宿") as refused:
        checked_override_reading("にい新宿ジュク", 800)
    assert refused.value.detail == "新宿"


# --- a fix in force at once ----------------------------------------------------------------------


async def test_an_address_fix_rewrites_the_stops_and_the_index_and_records_who(sessionmaker: Sessions,
                                                                                tmp_path: Path) -> None:
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    before = (await stops_where(sessionmaker, destination_address=KATSUSHIKA))[0].destination_address_kana
    change = await fix(sessionmaker, "address", KATSUSHIKA, "とうきょうと かつしかく にいじゅく")
    assert (change.reading, change.previous_reading, change.stops_changed, change.dates) == (
        "トウキョウト カツシカク ニイジュク", before, 1, [DAY])
    assert [s.destination_address_kana for s in await stops_where(sessionmaker, destination_address=KATSUSHIKA)] \
        == ["トウキョウト カツシカク ニイジュク"]
    doc = await doc_for(sessionmaker, DAY, "葛飾配送センター", KATSUSHIKA)
    assert doc.address_kana == "トウキョウト カツシカク ニイジュク"
    async with sessionmaker() as session:
        row = (await session.scalars(select(ReadingOverride))).one()
    assert (row.kind, row.text, row.created_by, row.previous_reading, row.reverted_at) == (
        "address", KATSUSHIKA, "yamada", before, None)
    items = await readings_for_date(sessionmaker, DAY, source="override")
    assert items is not None and [(i.kind, i.text, i.reading, i.override_id) for i in items] == [
        ("address", KATSUSHIKA, "トウキョウト カツシカク ニイジュク", row.id)]


async def test_a_note_line_fix_replaces_only_that_line_and_the_search_answers_with_it(sessionmaker: Sessions,
                                                                                      tmp_path: Path) -> None:
    two_lines = TODAY_ROWS[0].replace(ARIAKE_NOTES, '"3番バースに着けてください\n駐車場は北側です"')
    await load_rows(sessionmaker, tmp_path / "today.csv", [two_lines])
    [before] = await stops_where(sessionmaker)
    first_line = before.notes_kana.split("\n")[0]
    await fix(sessionmaker, "notes", "駐車場は北側です", "チュウシャジョウワ キタガワデス")
    [after] = await stops_where(sessionmaker)
    assert after.notes_kana == f"{first_line}\nチュウシャジョウワ キタガワデス"
    hits = await EmbeddedSearch(sessionmaker).search(depot_id="default", date=DAY, text="駐車場はどこ")
    assert hits and hits[0].doc.notes_kana.split("\n") == [first_line, "チュウシャジョウワ キタガワデス"]


async def test_the_fix_reaches_later_days_but_not_earlier_ones(sessionmaker: Sessions, tmp_path: Path) -> None:
    rows = [stop(date="2026-12-01"), stop(date="2026-12-02"), stop(date="2026-12-03")]
    for index, row in enumerate(rows):
        await load_schedule(sessionmaker, write_csv(tmp_path / f"{index}.csv", [row]),
                            on_loaded=embedded_on_loaded("default"))
    change = await fix(sessionmaker, "destination", "有明物流センター", "アリアケ ブツリュウ センター", since=NEXT_DAY)
    assert change.dates == [NEXT_DAY, dt.date(2026, 12, 3)]
    names = [s.destination_name_kana for s in await stops_where(sessionmaker)]
    assert names[0] == reading("有明物流センター") and names[1:] == ["アリアケ ブツリュウ センター"] * 2


async def test_a_reading_typed_in_the_file_is_kept(sessionmaker: Sessions, tmp_path: Path) -> None:
    rows = [stop(), stop(stop_seq="2", cargo_kana="れいぞう ぱれっと")]
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", rows))
    change = await fix(sessionmaker, "cargo", "パレット12枚 冷蔵", "パレット ジュウニマイ レイゾウ")
    assert change.stops_changed == 1
    cargo_heard = [s.cargo_kana for s in await stops_where(sessionmaker)]
    assert cargo_heard == ["パレット ジュウニマイ レイゾウ", "レイゾウ パレット"]
    items = await readings_for_date(sessionmaker, DAY)
    assert items is not None
    cargo = [(i.source, i.editable) for i in items if i.kind == "cargo"]
    assert cargo == [("override", True), ("file", False)]


async def test_refusals_change_nothing(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", [stop(cargo_kana="レイゾウ")]))
    cases = [
        ("address", "東京都どこにもない町", "トウキョウト", "unknown_text"),
        ("cargo", "パレット12枚 冷蔵", "パレット", "file_reading"),
        ("destination", "有明物流センター", reading("有明物流センター"), "unchanged"),
        ("destination", "有明物流センター", "有明", "not_kana"),
        ("window", "09:00–10:00", "クジ", "unknown_kind"),
        ("notes", "長" * 801, "ナガイ", "text_too_long"),
    ]
    for kind, text, kana, reason in cases:
        with pytest.raises(OverrideRefused) as refused:
            await set_override(sessionmaker, kind=kind, text=text, reading=kana, user="yamada", since=DAY,
                               index=target(sessionmaker))
        assert refused.value.reason == reason, (kind, text)
    async with sessionmaker() as session:
        assert (await session.scalars(select(ReadingOverride))).all() == []


# --- revert and history --------------------------------------------------------------------------


async def test_revert_restores_the_rules_reading_and_its_uncertain_mark(sessionmaker: Sessions,
                                                                         tmp_path: Path) -> None:
    address = "東京都江東区架空町3-5-7"
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", [stop(destination_address=address)]),
                        on_loaded=embedded_on_loaded("default"))
    [rendered] = await stops_where(sessionmaker)
    assert rendered.address_kana_uncertain
    first = await fix(sessionmaker, "address", address, "トウキョウト コウトウク カクウチョウ")
    second = await fix(sessionmaker, "address", address, "トウキョウト コウトウク カソラチョウ", user="suzuki")
    [fixed] = await stops_where(sessionmaker)
    assert fixed.destination_address_kana == "トウキョウト コウトウク カソラチョウ"
    assert not fixed.address_kana_uncertain
    assert second.previous_reading == "トウキョウト コウトウク カクウチョウ"
    with pytest.raises(OverrideRefused) as refused:  # the first was replaced by the second
        await revert_override(sessionmaker, override_id=first.override_id, user="suzuki", since=DAY,
                              index=target(sessionmaker))
    assert refused.value.reason == "not_active"
    back = await revert_override(sessionmaker, override_id=second.override_id, user="sato", since=DAY,
                                 index=target(sessionmaker))
    [restored] = await stops_where(sessionmaker)
    assert (restored.destination_address_kana, restored.address_kana_uncertain) == (
        rendered.destination_address_kana, True)
    assert back.reading == rendered.destination_address_kana
    doc = await doc_for(sessionmaker, DAY, "有明物流センター", address)
    assert doc.address_kana == rendered.destination_address_kana
    history = (await history_for(sessionmaker, [("address", address)]))[("address", address)]
    assert [(h.created_by, h.reading, h.reverted_by) for h in history] == [
        ("suzuki", "トウキョウト コウトウク カソラチョウ", "sato"),
        ("yamada", "トウキョウト コウトウク カクウチョウ", "suzuki"),
    ]
    items = await readings_for_date(sessionmaker, DAY, source="uncertain")
    assert items is not None and [i.text for i in items] == [address]


# --- the next load ---------------------------------------------------------------------------------


async def test_a_fix_carries_over_to_the_next_load_unless_the_file_types_that_row(sessionmaker: Sessions,
                                                                                tmp_path: Path) -> None:
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    await fix(sessionmaker, "address", KATSUSHIKA, "トウキョウト カツシカク ニイジュク")
    await fix(sessionmaker, "notes", "2階の荷受け場へ", "ニカイノ ニウケバエ")
    dry = await load_schedule(sessionmaker, write_csv(tmp_path / "x.csv", [
        stop(destination_address=KATSUSHIKA, notes="2階の荷受け場へ")]), dry_run=True)
    assert dry.summary.readings_from_overrides == 2
    report = await load_rows(sessionmaker, tmp_path / "again.csv", TODAY_ROWS[:3] + TODAY_ROWS[4:] + [
        TODAY_ROWS[3].replace("東京都足立区千住1丁目1番1号", KATSUSHIKA)])
    assert report.summary.version == 2 and report.summary.readings_from_overrides == 3
    stops = await stops_where(sessionmaker, destination_address=KATSUSHIKA)
    current = [s for s in stops if s.schedule_day_id == stops[-1].schedule_day_id]
    assert [s.destination_address_kana for s in current] == ["トウキョウト カツシカク ニイジュク"] * 2
    doc = await doc_for(sessionmaker, DAY, "足立倉庫", KATSUSHIKA)
    assert doc.address_kana == "トウキョウト カツシカク ニイジュク"
    # The file types its own reading for the row: the file's choice wins for that row.
    await load_schedule(sessionmaker, write_csv(tmp_path / "typed.csv", [
        stop(destination_address=KATSUSHIKA, destination_address_kana="カツシカ シンジュク")]))
    items = await readings_for_date(sessionmaker, DAY)
    assert items is not None
    assert [(i.reading, i.source) for i in items if i.kind == "address"] == [("カツシカ シンジュク", "file")]


async def test_a_changed_text_does_not_carry_the_fix(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "a.csv", [stop()]))
    await fix(sessionmaker, "destination", "有明物流センター", "アリアケ ソウコ")
    await load_schedule(sessionmaker, write_csv(tmp_path / "b.csv", [stop(destination_name="有明物流センター東")]))
    [_, new] = await stops_where(sessionmaker)
    assert new.destination_name_kana == reading("有明物流センター東")


# --- the list a dispatcher checks ----------------------------------------------------------------


async def test_uncertain_readings_come_first_and_filters_keep_one_source(sessionmaker: Sessions,
                                                                         tmp_path: Path) -> None:
    rows = [stop(), stop(stop_seq="2", destination_address="東京都江東区架空町1-2"),
            stop(stop_seq="3", cargo_kana="レイゾウ")]
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", rows))
    items = await readings_for_date(sessionmaker, DAY)
    assert items is not None
    assert (items[0].source, items[0].stop_seq, items[0].kind) == ("uncertain", 2, "address")
    assert all(i.source != "uncertain" for i in items[1:])
    assert [i.stop_seq for i in items[1:]] == sorted(i.stop_seq for i in items[1:])
    assert {i.kind for i in items} == {"destination", "address", "window", "cargo", "notes"}
    for source in ("rule", "file", "uncertain"):
        only = await readings_for_date(sessionmaker, DAY, source=source)
        assert only and {i.source for i in only} == {source}
    assert await readings_for_date(sessionmaker, NEXT_DAY) is None


# --- Azure AI Search ---------------------------------------------------------------------------------


@pytest.fixture
async def azure() -> AsyncIterator[tuple[AzureSearchStandin, str]]:
    s, runner, url = await start_standin()
    yield s, url
    await runner.cleanup()


async def test_a_fix_and_its_revert_reach_azure_search(sessionmaker: Sessions, tmp_path: Path, azure) -> None:
    s, url = azure
    search = AzureDestinationSearch(url, "standin-key", "destinations")
    index = IndexTarget("default", search)
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    await load_rows(sessionmaker, tmp_path / "tomorrow.csv", TOMORROW_ROWS)
    change = await fix(sessionmaker, "destination", "葛飾配送センター", "カツシカ ハイソウ センター", index=index)
    assert change.warnings == []
    key = f"default-20261201-{destination_key('葛飾配送センター', KATSUSHIKA)}"
    assert s.indexes["destinations"].docs[key]["name_kana"] == "カツシカ ハイソウ センター"
    await revert_override(sessionmaker, override_id=change.override_id, user="yamada", since=DAY, index=index)
    assert s.indexes["destinations"].docs[key]["name_kana"] == reading("葛飾配送センター")


async def test_azure_down_is_a_warning_and_the_stops_are_fixed(sessionmaker: Sessions, tmp_path: Path) -> None:
    index = IndexTarget("default", AzureDestinationSearch("http://127.0.0.1:9", "standin-key", "destinations"))
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    change = await fix(sessionmaker, "destination", "葛飾配送センター", "カツシカ ハイソウ センター", index=index)
    assert len(change.warnings) == 1 and "2026-12-01" in change.warnings[0]
    assert [s.destination_name_kana for s in await stops_where(sessionmaker, destination_name="葛飾配送センター")] \
        == ["カツシカ ハイソウ センター"]
