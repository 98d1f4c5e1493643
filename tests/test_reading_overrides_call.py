"""A reading fixed (and reverted) is what the next call's `get_next_stop` hands the model."""

from __future__ import annotations

from pathlib import Path

from guidance_support import DAY, TODAY_ROWS, load_rows
from readings_support import next_stop_heard, play_next_stop_call, received_outputs

from schedules.overrides import IndexTarget, revert_override, set_override
from schedules.readings import reading
from schedules.search.embedded import EmbeddedSearch

ARIAKE = "東京都江東区有明3丁目5番7号"
FIXED = "トウキョウト コウトウク アリアケ サンノゴノナナ"


async def test_the_next_call_hears_the_fixed_reading_and_after_revert_the_rules_again(
        sessionmaker, engine, tmp_path: Path) -> None:
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    rule = reading(ARIAKE, "address")
    assert (await next_stop_heard(sessionmaker, engine, DAY))["address_kana"] == rule
    index = IndexTarget("default", EmbeddedSearch(sessionmaker))
    change = await set_override(sessionmaker, kind="address", text=ARIAKE, reading=FIXED, user="yamada",
                                since=DAY, index=index)
    assert (await next_stop_heard(sessionmaker, engine, DAY))["address_kana"] == FIXED
    await revert_override(sessionmaker, override_id=change.override_id, user="yamada", since=DAY, index=index)
    assert (await next_stop_heard(sessionmaker, engine, DAY))["address_kana"] == rule


async def test_a_fixed_note_is_what_the_destination_search_answers_with(sessionmaker, engine, tmp_path: Path) -> None:
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    note = "3番バースに着けてください。駐車場は北側です"
    fixed = "サンバンバースニ ツケテクダサイ。チュウシャジョウワ キタガワデス"
    await set_override(sessionmaker, kind="notes", text=note, reading=fixed, user="yamada", since=DAY,
                       index=IndexTarget("default", EmbeddedSearch(sessionmaker)))
    standin = await play_next_stop_call(sessionmaker, engine, DAY, question="駐車場はどこですか")
    [next_stop] = received_outputs(standin, "get_next_stop")
    [answer] = received_outputs(standin, "search_destination_info")
    assert next_stop["stop"]["notes_kana"] == fixed
    assert answer["status"] == "found" and answer["answers"][0]["notes_kana"] == [fixed]
