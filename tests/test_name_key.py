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
        ("山本じゃけえ", "ヤマモト"),
        ("松尾ばい", "マツオ"),
        ("佐々木だべ", "ササキ"),
        ("菅原健一だす", "スガワラ ケンイチ"),
        ("わたくし、村田と申します", "ムラタ"),
        ("こちら石井です", "イシイ"),
        ("森なんですけど", "モリ"),
        # a filler said apart after the ending
        ("佐藤です、はい", "サトウ"),
        ("はい、岡田健一です、えー", "オカダ ケンイチ"),
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


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # frames and greetings in a sentence of their own, before or after the name, any width
        ("もしもし。佐藤です", "サトウ"),
        ("お疲れ様です！佐藤健一です", "サトウ ケンイチ"),
        ("おはようございます。鈴木です", "スズキ"),
        ("えーと。高橋です。よろしくお願いします。", "タカハシ"),
        ("すみません!わたなべです?", "ワタナベ"),
        ("中村です．お世話になっております", "ナカムラ"),
        ("ｲﾄｳﾃﾞｽ｡ﾖﾛｼｸ", "イトウ"),
        ("木村です\nお疲れ様です", "キムラ"),
        ("あ。はい。田中一郎っす", "タナカ イチロウ"),
        ("もしもし?ヤマダ運送の小林さくらです", "コバヤシ サクラ"),
        ("お世話になってます。佐藤です", "サトウ"),
        ("お世話様です、鈴木です", "スズキ"),
        # a sentence that only names the company is not the name
        ("ヤマダ運送です。高橋です", "タカハシ"),
        ("中村一郎です。北関東物流です", "ナカムラ イチロウ"),
        ("配送センターっす！小林です", "コバヤシ"),
        # a correction reaches across sentences
        ("佐藤じゃなくて。加藤です", "カトウ"),
        ("小林です。いや、林です", "ハヤシ"),
        ("大野です。違います。小野です", "オノ"),
    ],
)
def test_frames_are_cut_in_every_sentence(a: str, b: str) -> None:
    assert key(a) == key(b)


@pytest.mark.parametrize(
    ("said", "once"),
    [
        ("佐藤です。佐藤健一です", "サトウ ケンイチ"),
        ("鈴木！鈴木美月です", "スズキ ミヅキ"),
        ("大野です。大野翔太です。", "オオノ ショウタ"),
        ("たかはしです。たかはしなおこです", "タカハシ ナオコ"),
        ("木村 拓也です。木村 拓也です", "キムラ タクヤ"),
        ("もしもし。伊藤です。伊藤誠です。", "イトウ マコト"),
        # with a comma, each part has its own frames too
        ("佐藤です、佐藤健一です", "サトウ ケンイチ"),
        ("大野っす、大野翔太っす", "オオノ ショウタ"),
    ],
)
def test_a_name_said_in_two_sentences_is_also_heard_once(said: str, once: str) -> None:
    k = name_key(said)
    assert k is not None and key(once) in (k.full, *k.also), said


def test_a_sentence_end_is_a_pause_like_a_comma() -> None:
    assert name_key("佐藤。佐藤健一") == name_key("佐藤、佐藤健一") == name_key("佐藤です。佐藤健一です")
    assert name_key("佐藤。健一") == name_key("佐藤 健一")
    assert name_key("三木です。幹夫です") == name_key("三木 幹夫")
    # the long mark and the middle dot are no sentence end; はいばら. is still heard whole too
    assert key("サトー・ケンイチです。") == key("サトウ ケンイチ")
    k = name_key("はいばらです。")
    assert k is not None and schedule_key("ハイバラ") in (k.full, *k.also)


def test_two_sentences_of_different_names_are_no_name_said_once() -> None:
    """Neither name alone, nor the two run together without their frames (サトウカトウ)."""
    for said, first, second in (
        ("佐藤です。加藤です", "サトウ", "カトウ"),
        ("はらです。はいばらです", "ハラ", "ハイバラ"),
        ("大野です。小野翔太です", "オオノ", "オノ ショウタ"),
    ):
        k = name_key(said)
        assert k is not None, said
        heard = (k.full, *k.also)
        assert not {key(first), key(second), key(f"{first} {second}")} & set(heard), said
    k = name_key("オ。オノ")  # a pause inside 大野, as with a space
    assert k is not None and k.also == () and k.full == key("オオノ")


@pytest.mark.parametrize(
    "text",
    ["もしもし。お疲れ様です！", "おはようございます。よろしくお願いします。", "はい。えーと。", "佐藤じゃないです。",
     "すみません?\nこんばんは"],
)
def test_sentences_of_frames_alone_give_none(text: str) -> None:
    assert name_key(text) is None
