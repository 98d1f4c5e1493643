"""A reading fixed (and reverted) is what the next call's `get_next_stop` hands the model."""

from __future__ import annotations

from pathlib import Path

from guidance_support import DAY, TODAY_ROWS, load_rows
from readings_support import next_stop_heard

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
