"""One test per reading rule: numbers, counters, dates, times, phone numbers, free text, addresses."""

from __future__ import annotations

import datetime as dt

import pytest

from jtext.folds import reading_key
from jtext.openjtalk import merge_long_vowels
from schedules.readings import KINDS, PAUSE, checked_reading, reading, readings, same_reading, window_reading
from schedules.readings.numbers import count_kana, decimal_kana, kana_with_digits, kanji_to_int, number_kana


@pytest.mark.parametrize(
    ("n", "kana"),
    [
        (0, "ゼロ"),
        (11, "ジュウイチ"),
        (24, "ニジュウヨン"),
        (300, "サンビャク"),
        (600, "ロッピャク"),
        (800, "ハッピャク"),
        (3000, "サンゼン"),
        (8000, "ハッセン"),
        (10000, "イチマン"),
        (2026, "ニセンニジュウロク"),
    ],
)
def test_numbers_use_the_spoken_sound_changes(n: int, kana: str) -> None:
    assert number_kana(n) == kana


@pytest.mark.parametrize(
    ("number", "counter", "kana"),
    [
        ("6", "本", "ロッポン"),
        ("3", "本", "サンボン"),
        ("4", "本", "ヨンホン"),
        ("300", "本", "サンビャッポン"),
        ("1", "個", "イッコ"),
        ("6", "個", "ロッコ"),
        ("3", "階", "サンガイ"),
        ("1", "丁目", "イッチョウメ"),
        ("6", "丁目", "ロクチョウメ"),
        ("8", "丁目", "ハッチョウメ"),
        ("1", "人", "ヒトリ"),
        ("4", "人", "ヨニン"),
        ("3.5", "t", "サンテンゴトン"),
        ("1.5", "t", "イッテンゴトン"),
        ("-18", "℃", "マイナスジュウハチド"),
    ],
)
def test_counters_change_the_number_before_them(number: str, counter: str, kana: str) -> None:
    assert count_kana(number, counter) == kana


def test_decimals_read_digits_after_the_point_one_by_one() -> None:
    assert decimal_kana("0.25") == "レイテンニゴ"
    assert decimal_kana("12.5") == "ジュウニテンゴ"


def test_kanji_numerals_become_integers() -> None:
    assert [kanji_to_int(k) for k in ("三", "十一", "二千二十六", "一〇五")] == [3, 11, 2026, 105]


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("1日", "ツイタチ"),
        ("20日", "ハツカ"),
        ("14日", "ジュウヨッカ"),
        ("4月", "シガツ"),
        ("9月", "クガツ"),
        ("12月1日", "ジュウニガツ ツイタチ"),
        ("2026-12-01", "ニセンニジュウロクネン ジュウニガツ ツイタチ"),
        ("12/24(木)", "ジュウニガツ ニジュウヨッカ モクヨウビ"),
    ],
)
def test_dates_use_the_fixed_day_and_month_readings(text: str, kana: str) -> None:
    assert reading(text, "date") == kana


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("9時", "クジ"),
        ("午前0時", "ゴゼンレイジ"),
        ("0:00", "レイジ"),
        ("4時", "ヨジ"),
        ("7時", "ナナジ"),
        ("14時半", "ジュウヨジハン"),
        ("10:30", "ジュウジサンジュップン"),
        ("9:04", "クジヨンプン"),
        ("9:06", "クジロップン"),
    ],
)
def test_times_as_said_on_the_phone(text: str, kana: str) -> None:
    assert reading(text, "time") == kana


def test_window_reading_names_both_ends_or_one_or_none() -> None:
    assert window_reading(dt.time(9), dt.time(10, 30)) == "クジカラ ジュウジサンジュップンマデ"
    assert window_reading(dt.time(0), None) == "レイジカラ"
    assert window_reading(None, dt.time(14)) == "ジュウヨジマデ"
    assert window_reading(None, None) == ""


def test_phone_numbers_are_read_digit_by_digit_with_a_pause_between_groups() -> None:
    assert PAUSE == "、"
    assert reading("090-1111-0001", "phone") == "ゼロキュウゼロ、イチイチイチイチ、ゼロゼロゼロイチ"
    assert reading("0312345678", "phone") == "ゼロサン、イチニーサンヨン、ゴーロクナナハチ"
    assert reading("+81 90 1234 5678", "phone") == "プラスハチイチ、キュウゼロ、イチニーサンヨン、ゴーロクナナハチ"


def test_free_text_applies_number_rules_and_pyopenjtalk() -> None:
    assert reading("パレット12枚 冷蔵") == "パレットジュウニマイ レイゾウ"
    assert reading("-18℃で保管") == "マイナスジュウハチドデホカン"
    assert reading("搬入口は裏です") == "ハンニュウグチワウラデス"
    assert reading("9時間") == "クジカン"


def test_long_vowels_follow_kana_orthography_and_particles_are_as_said() -> None:
    assert reading("東京都の倉庫には") == "トウキョウトノソウコニワ"
    assert merge_long_vowels("トーキョー", "トウキョウ") == "トウキョウ"
    assert merge_long_vowels("ロッポン", "ロクホン") == "ロッポン"


def test_comparison_key_folds_long_vowel_spellings_and_pauses() -> None:
    assert same_reading("トーキョート", "トウキョウト")
    assert same_reading("ゼロキューゼロ、イチ", "ゼロキュウゼロ イチ")
    assert same_reading("ニイジュク", "ニージュク")
    assert not same_reading("ニイジュク", "シンジュク")
    assert reading_key("れいぞう") == reading_key("レーゾー")


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("葛飾区新宿", "カツシカク ニイジュク"),
        ("目黒区三田", "メグロク ミタ"),
        ("大阪市浪速区日本橋", "オオサカシナニワク ニッポンバシ"),
        ("東京都中央区日本橋", "トウキョウト チュウオウク ニホンバシ"),
    ],
)
def test_addresses_use_japan_post_kana_for_place_names(text: str, kana: str) -> None:
    assert reading(text, "address") == kana


def test_address_block_numbers_in_every_spelling() -> None:
    expected = "トウキョウト コウトウク アリアケ サンチョウメ ゴバン ナナゴウ"
    assert reading("東京都江東区有明3丁目5番7号", "address") == expected
    assert reading("東京都江東区有明三丁目五番七号", "address") == expected
    dashed = "トウキョウト コウトウク アリアケ サンノゴノナナ"
    assert reading("東京都江東区有明3-5-7", "address") == dashed
    assert reading("東京都江東区有明３－５－７", "address") == dashed
    assert reading("〒135-0063 東京都江東区有明3-5-7", "address") == dashed


def test_address_buildings_floors_and_rooms() -> None:
    got = reading("東京都新宿区西新宿2丁目1番1号 新宿三井ビル 5階", "address")
    assert got.endswith("シンジュクミツイビル ゴカイ")
    assert reading("埼玉県川口市本町4-1-8 川口センタービル 201号室", "address").endswith("ニヒャクイチゴウシツ")
    assert reading("茨城県つくば市上郷12番地の3", "address").endswith("カミゴウ ジュウニバンチノサン")


def test_sapporo_jo_numbers_are_read_from_the_official_kana() -> None:
    assert kana_with_digits("キタ１ジョウニシ") == "キタイチジョウニシ"
    assert reading("北海道札幌市中央区北1条西2丁目", "address").endswith("キタイチジョウニシ ニチョウメ")


def test_city_without_district_or_prefecture_is_found() -> None:
    assert reading("東京都瑞穂町", "address") == "トウキョウト ミズホマチ"
    assert reading("奥多摩町氷川", "address") == "オクタママチ ヒカワ"


@pytest.mark.parametrize("town", ["霞ヶ関", "霞ケ関", "霞が関"])
def test_a_town_is_found_however_its_ke_is_written(town: str) -> None:
    got = checked_reading(f"東京都千代田区{town}1丁目", "address")
    assert (got.kana, got.uncertain) == ("トウキョウト チヨダク カスミガセキ イッチョウメ", False)


def test_unknown_place_falls_back_to_pyopenjtalk() -> None:
    assert reading("架空市1-2", "address") == "カクウシ イチノニ"


def test_reading_api_contract() -> None:
    assert set(KINDS) == {"address", "date", "time", "count", "phone", "text"}
    assert reading("") == ""
    assert readings(["6本", "1日"], "date") == [reading("6本", "date"), "ツイタチ"]
    with pytest.raises(ValueError, match="unknown reading kind"):
        reading("x", "voice")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("9:00-10:00", "クジカラ ジュウジマデ"),
        ("9:00～10:00", "クジカラ ジュウジマデ"),
        ("9:00 〜 10:00", "クジカラ ジュウジマデ"),
        ("9:00−10:00", "クジカラ ジュウジマデ"),
        ("9時〜10時", "クジカラ ジュウジマデ"),
        ("9時-10時", "クジカラ ジュウジマデ"),
        ("9時ー10時", "クジカラ ジュウジマデ"),
        ("9-10時", "クジカラ ジュウジマデ"),
        ("9〜10時まで", "クジカラ ジュウジマデ"),
        ("9:00～17:00迄", "クジカラ ジュウナナジマデ"),
        ("午後1-3時", "ゴゴイチジカラ サンジマデ"),
        ("13:30-15:00", "ジュウサンジサンジュップンカラ ジュウゴジマデ"),
        ("9時半～11時", "クジハンカラ ジュウイチジマデ"),
        ("9:00~", "クジカラ"),
        ("9:00-", "クジカラ"),
        ("~12:00", "ジュウニジマデ"),
    ],
)
def test_time_ranges_in_every_written_form_read_from_and_until(text: str, kana: str) -> None:
    assert reading(text, "text") == kana
    assert reading(text, "time") == kana


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("1日に納品", "ツイタチニノウヒン"),
        ("1日(火)", "ツイタチカヨウビ"),
        ("12/1着", "ジュウニガツ ツイタチチャク"),
        ("3/1 10:00", "サンガツ ツイタチ ジュウジ"),
        ("1日〜3日", "ツイタチカラ ミッカマデ"),
        ("12/1-12/3", "ジュウニガツ ツイタチカラ ジュウニガツ ミッカマデ"),
        ("20日～25日まで", "ハツカカラ ニジュウゴニチマデ"),
        ("1日〜", "ツイタチカラ"),
        ("〜1日まで", "ツイタチマデ"),
        ("12/28～休業", "ジュウニガツ ニジュウハチニチカラキュウギョウ"),
        # a length of time keeps イチニチ: a quantity before or after it, or a word of duration
        ("1日2回", "イチニチニカイ"),
        ("1日分の荷物", "イチニチブンノニモツ"),
        ("1日中", "イチニチジュウ"),
        ("約1日", "ヤクイチニチ"),
        ("1〜2日遅れ", "イチニチカラフツカオクレ"),
        # not a date: a unit after it, a month that does not exist, a longer number
        ("1/2個", "イチニコ"),
        ("13/1", "ジュウサン、イチ"),
        ("21日", "ニジュウイチニチ"),
    ],
)
def test_dates_in_a_note_read_as_a_dispatcher_reads_them(text: str, kana: str) -> None:
    """In a note 1日 is the first of the month (ツイタチ) and 12/1 is a date, unless the words make
    them a length of time or a quantity."""
    assert reading(text, "text") == kana


def test_a_time_range_inside_a_note_keeps_the_words_around_it() -> None:
    assert reading("受付 9:00～17:00（昼休み12:00-13:00）", "text") == (
        "ウケツケ クジカラ ジュウナナジマデヒルヤスミジュウニジカラ ジュウサンジマデ"
    )
    assert "カラ" not in reading("1-2時間", "text")  # a duration, not a range of times


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("1～3番", "イチバンカラサンバン"),
        ("3〜5番ゲート", "サンバンカラゴバンゲート"),
        ("10~20個", "ジュッコカラニジュッコ"),
        ("パレット2〜3枚", "パレットニマイカラサンマイ"),
        ("1.5～2t", "イッテンゴトンカラニトン"),
        ("-25〜-18℃", "マイナスニジュウゴドカラマイナスジュウハチド"),
        ("6 〜 8本", "ロッポンカラハッポン"),
    ],
)
def test_a_range_of_counted_things_reads_from_and_to(text: str, kana: str) -> None:
    """The tilde is never said, and two numbers run together are another number (1～3番 is not 13番)."""
    assert reading(text, "text") == kana


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        # after a place or a time, 着 is an arrival, however the place is written
        ("名古屋着", "ナゴヤチャク"),
        ("倉庫着予定", "ソウコチャクヨテイ"),
        ("午前中着で", "ゴゼンチュウチャクデ"),
        ("PM着", "ピーエムチャク"),
        ("センター着", "センターチャク"),
        ("14時 現場着", "ジュウヨジ ゲンバチャク"),
        ("17時着", "ジュウナナジチャク"),
        ("品川着後に連絡", "シナガワチャクゴニレンラク"),
        # clothes keep ギ, and what the dictionary reads with チャク or reads whole is left to it
        ("作業着持参", "サギョウギジサン"),
        ("防寒着", "ボウカンギ"),
        ("上着", "ウワギ"),
        ("先着順", "センチャクジュン"),
        ("到着後連絡", "トウチャクゴレンラク"),
        ("着払い", "チャクバライ"),
    ],
)
def test_an_arrival_reads_chaku_and_clothes_keep_gi(text: str, kana: str) -> None:
    assert reading(text, "text") == kana


NAKAGYO, SHIMOGYO, KAMIGYO = "キョウトシナカギョウク ", "キョウトシシモギョウク ", "キョウトシカミギョウク "


@pytest.mark.parametrize(
    ("text", "kana"),
    [
        ("京都市中京区烏丸通御池下る虎屋町", NAKAGYO + "カラスマドオリ オイケ サガル トラヤチョウ"),
        ("京都市中京区烏丸通り御池下ル虎屋町", NAKAGYO + "カラスマドオリ オイケ サガル トラヤチョウ"),
        ("京都市中京区烏丸通御池下がる虎屋町", NAKAGYO + "カラスマドオリ オイケ サガル トラヤチョウ"),
        ("京都市中京区河原町通三条上る下丸屋町", NAKAGYO + "カワラマチドオリ サンジョウ アガル シモマルヤチョウ"),
        ("京都市中京区河原町通三条上がる下丸屋町", NAKAGYO + "カワラマチドオリ サンジョウ アガル シモマルヤチョウ"),
        ("京都市下京区四条通烏丸東入長刀鉾町", SHIMOGYO + "シジョウドオリ カラスマ ヒガシイル ナギナタボコチョウ"),
        ("京都市下京区四条通烏丸東入る長刀鉾町", SHIMOGYO + "シジョウドオリ カラスマ ヒガシイル ナギナタボコチョウ"),
        ("京都市下京区七条通烏丸西入ル東境町", SHIMOGYO + "シチジョウドオリ カラスマ ニシイル ヒガシサカイチョウ"),
        ("京都市下京区七条通烏丸西入る東境町", SHIMOGYO + "シチジョウドオリ カラスマ ニシイル ヒガシサカイチョウ"),
        ("京都市中京区東洞院通六角下る御射山町", NAKAGYO + "ヒガシノトウインドオリ ロッカク サガル ミサヤマチョウ"),
        ("京都市上京区今出川通堀川西入", KAMIGYO + "イマデガワドオリ ホリカワ ニシイル"),
        ("京都市下京区烏丸通四条下る水銀屋町", SHIMOGYO + "カラスマドオリ シジョウ サガル スイギンヤチョウ"),
        ("京都市烏丸通四条下る水銀屋町", "キョウトシ カラスマドオリ シジョウ サガル スイギンヤチョウ"),
    ],
)
def test_kyoto_street_addresses(text: str, kana: str) -> None:
    got = checked_reading(text, "address")
    assert (got.kana, got.uncertain) == (kana, False)


@pytest.mark.parametrize(
    ("text", "uncertain"),
    [
        ("東京都葛飾区新宿3丁目5番7号", False),  # all Japan Post and rules
        ("東京都新宿区西新宿2丁目1番1号 新宿三井ビル 5階", False),  # a building Japan Post lists
        ("東京都江東区新木場5丁目16番15号 プロロジスパーク 4階", False),  # a name written in kana
        ("群馬県吾妻郡", False),
        ("東京都江東区有明3-5-7 メゾン三田101", False),  # a building after the block numbers is no place name
        ("東京都江東区有明 メゾン三田 101", True),  # but before them it may be a town Japan Post doesn't list
        ("東京都江東区架空町1-2", True),  # a town Japan Post does not list
        ("福島県南会津郡只見町大字只見字宮前", True),  # a 小字 read by the dictionary
        ("沖縄県国頭郡恩納村字恩納", False),
        ("架空市1-2", True),
        ("京都市中京区架空通御池下る虎屋町", True),  # a street outside Kyoto's table
    ],
)
def test_a_reading_is_uncertain_where_the_dictionary_read_a_name(text: str, uncertain: bool) -> None:
    assert checked_reading(text, "address").uncertain is uncertain


@pytest.mark.parametrize(
    ("text", "uncertain"),
    [
        ("名古屋着", True),  # the dictionary read the place before the arrival
        ("作業着持参", True),  # and the clothes it kept whole
        ("センター着", False),  # katakana is read as written; the 着 by the rule
        ("1～3番", False),
    ],
)
def test_an_arrival_keeps_the_dictionarys_part_a_guess(text: str, uncertain: bool) -> None:
    assert checked_reading(text, "text").uncertain is uncertain
