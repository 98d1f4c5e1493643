"""Names → keys: scripts and widths alike, long vowels folded, people kept apart."""

from __future__ import annotations

import pytest

from lookup.name_key import name_key


def key(text: str) -> str:
    k = name_key(text)
    assert k is not None, text
    return k.full


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("サトウ", "さとう"),
        ("サトウ", "ｻﾄｳ"),
        ("サトー", "サトウ"),
        ("オーノ", "オオノ"),
        ("ミヅキ", "ミズキ"),
        ("フジ", "フヂ"),
        ("佐藤", "サトウ"),
        ("斎藤", "斉藤"),
        ("斎藤", "齋藤"),
        ("渡辺", "渡邊"),
        ("渡辺", "渡邉"),
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("佐藤です", "サトウ"),
        ("ドライバーの佐藤です", "さとう"),
        ("佐藤健一と申します", "サトウ ケンイチ"),
        ("えーと、佐藤さん", "サトウ"),
        ("太田 裕樹", "大田 優希"),
    ],
)
def test_same_key(a: str, b: str) -> None:
    assert key(a) == key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("オノ", "オオノ"), ("サトウ", "サイトウ"), ("小野", "大野"), ("カトウ", "サトウ")]
)
def test_different_people_keep_different_keys(a: str, b: str) -> None:
    assert key(a) != key(b)


def test_full_name_keeps_its_family_part_when_spaced() -> None:
    k = name_key("サトウ ケンイチ")
    assert k is not None and k.family == key("サトウ") and k.full == key("サトウケンイチ")


def test_kanji_surface_is_kept_with_variants_folded() -> None:
    k = name_key("齋藤 健一です")
    assert k is not None and k.surface == "斎藤健一"
    k2 = name_key("サイトウ")
    assert k2 is not None and k2.surface == ""


@pytest.mark.parametrize("text", ["", "えーと", "はい", "です", "1234", "よろしくお願いします"])
def test_no_name_left_after_frames_gives_none(text: str) -> None:
    assert name_key(text) is None


def test_names_ending_like_a_particle_are_kept() -> None:
    assert key("アカネ") == "アカネ"
