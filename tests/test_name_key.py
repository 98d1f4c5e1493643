"""Names → keys: scripts and widths alike, long vowels folded, people kept apart."""

from __future__ import annotations

import pytest

from lookup.name_key import name_key, schedule_name_key


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
        # greetings glued on, the company driven for, a copula, dialect endings
        ("もしもし佐藤です", "サトウ"),
        ("お疲れさまです佐藤です", "サトウ"),
        ("佐藤です、お疲れ様です", "サトウ"),
        ("すみません、佐藤です", "サトウ"),
        ("えーっと佐藤です", "サトウ"),
        ("ええと、サトウケンイチです", "サトウ ケンイチ"),
        ("俺、佐藤", "サトウ"),
        ("ヤマダ運送の佐藤です", "サトウ"),
        ("山田物流のさとうけんいちです", "サトウ ケンイチ"),
        ("佐藤だ", "サトウ"),
        ("吉田だよ", "ヨシダ"),
        ("佐藤健一やけど", "サトウ ケンイチ"),
        ("佐藤健一になります", "サトウ ケンイチ"),
        # a correction: only the name after the last one
        ("佐藤じゃなくて加藤です", "カトウ"),
        ("佐藤、いや、加藤です", "カトウ"),
        ("さとう、ちがう、かとうです", "カトウ"),
        # frames with a particle after them, and what a name is called
        ("佐藤と言いますけど", "サトウ"),
        ("佐藤っていうんですけど", "サトウ"),
        ("佐藤健一と申しますが", "サトウ ケンイチ"),
        ("佐藤ですがー", "サトウ"),
        ("佐藤の方です", "サトウ"),
        ("配送の佐藤です", "サトウ"),
        # names ending in a particle's sound keep it
        ("芳賀ですが", "ハガ"),
        ("金子ですね", "カネコ"),
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


@pytest.mark.parametrize("text", ["", "えーと", "はい", "です", "1234", "よろしくお願いします", "もしもし",
                                  "お疲れ様です", "佐藤じゃないです", "違います", "ヤマダ運送の者です"])
def test_no_name_left_after_frames_gives_none(text: str) -> None:
    assert name_key(text) is None


def test_names_ending_like_a_particle_are_kept() -> None:
    assert key("アカネ") == "アカネ"


def test_a_written_name_keeps_a_given_name_in_hiragana_and_names_ending_in_da() -> None:
    assert key("佐藤 さくら") == key("サトウ サクラ")
    assert key("山田") == key("ヤマダ") and key("ヤマダ") == "ヤマダ"


def schedule_key(kana: str) -> str:
    k = schedule_name_key(kana)
    assert k is not None, kana
    return k.full


def test_a_name_that_starts_like_a_filler_is_heard_whole_too() -> None:
    """はいばら is 灰原 (or はい + バラ): the key keeps both, and the schedule's ハイバラ meets it."""
    for said in ("はいばらです", "ハイバラ", "はい、はいばらです"):
        k = name_key(said)
        assert k is not None and schedule_key("ハイバラ") in (k.full, *k.also), said
    k = name_key("あのうじろうです")
    assert k is not None and schedule_key("アノウ ジロウ") in (k.full, *k.also)
    # a filler before a pause or before kanji is only a filler
    assert name_key("はい、さとうです") == name_key("サトウ")
    k = name_key("はい佐藤です")
    assert k is not None and k.also == () and k.full == key("サトウ")


def test_the_schedules_kana_are_a_name_never_cut_as_frames() -> None:
    assert schedule_key("ハイバラ ケンジ") == "ハイバラケンジ"
    assert schedule_key("エダ マコト") == "エダマコト"
    assert schedule_key("ハイバラ ケンジ") != schedule_key("ハラ ケンジ")


def test_a_name_said_again_or_restated_whole_is_also_heard_once() -> None:
    """佐藤、佐藤健一 and 佐藤健一、佐藤健一 carry サトウケンイチ too; 三木 幹夫 (ミキ ミキオ) stays a
    family and a given name, so the once-reading is only ever an alternative for the matcher."""
    for said in ("佐藤健一、佐藤健一です", "佐藤、佐藤健一", "さとう、さとうけんいち"):
        k = name_key(said)
        assert k is not None and key("サトウ ケンイチ") in k.also, said
    k = name_key("三木 幹夫")
    assert k is not None and k.full == key("ミキ ミキオ") and k.family == key("ミキ")
    k = name_key("オ オノ")  # a pause inside 大野, not オ said again
    assert k is not None and k.also == () and k.full == key("オオノ")
