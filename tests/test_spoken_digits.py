"""Spoken numbers → digits: the issue's forms, every reading, frames, rejections, round trips drawn by
hypothesis strategies, and words (everyday vocabulary, names) that must never become numbers."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from spoken_forms import (
    DIGIT_STRINGS,
    PHONE_NUMBERS,
    READINGS,
    SCRIPTS,
    SERIALS,
    in_script,
    spoken_phone,
    spoken_vehicle,
    whole_kana,
    whole_kanji,
)

from lookup.spoken_digits import parse_spoken_number, spoken_digits


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("いちにさんよん", "1234"),
        ("イチ、ニー、サン、ヨン", "1234"),
        ("いちにのさんよん", "1234"),
        ("じゅうにのさんじゅうよん", "1234"),
        ("12の34", "1234"),
        ("12-34", "1234"),
        ("せんにひゃくさんじゅうよん", "1234"),
        ("千二百三十四", "1234"),
        ("はっぴゃくはち", "808"),
        ("さんぜん", "3000"),
        ("一二三四", "1234"),
        ("八〇八", "808"),
        ("１２－３４", "1234"),
        ("12さんよん", "1234"),
        ("・123", "123"),
        ("・・12", "12"),
        ("ｲﾁﾆｻﾝﾖﾝ", "1234"),
    ],
)
def test_issue_forms_parse_to_their_digits(spoken: str, digits: str) -> None:
    assert spoken_digits(spoken, "vehicle") == digits


@pytest.mark.parametrize(
    ("digit", "readings"),
    [
        ("0", ["ぜろ", "れい", "まる"]),
        ("2", ["に", "にー", "にい"]),
        ("4", ["よん", "よ", "し"]),
        ("5", ["ご", "ごー"]),
        ("7", ["なな", "しち"]),
        ("9", ["きゅう", "く"]),
    ],
)
def test_every_reading_of_a_digit_is_accepted(digit: str, readings: list[str]) -> None:
    for reading in readings:
        assert spoken_digits("いち" + reading + "いち", "vehicle") == "1" + digit + "1"


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("えーと、車番は1234です", "1234"),
        ("いちにさんよん番", "1234"),
        ("ナンバーは12の34", "1234"),
        ("あの、いちにのさんよんです", "1234"),
        ("品川 100 あ 12-34", "1234"),
        ("千葉 12-34", "1234"),
        ("しながわ いちにのさんよん", "1234"),
    ],
)
def test_frames_and_regions_are_dropped_without_becoming_digits(spoken: str, digits: str) -> None:
    assert spoken_digits(spoken, "vehicle") == digits


@pytest.mark.parametrize(
    "spoken",
    ["よろしく", "はい", "", "しながわ", "三田", "12345", "0123", "12の3", "12a34", "12 あ 34", "いっ", "ありがとう"],
)
def test_unusable_vehicle_numbers_are_rejected_with_a_reason(spoken: str) -> None:
    parsed = parse_spoken_number(spoken, "vehicle")
    assert parsed.digits is None and parsed.reason


def test_yoroshiku_never_yields_4_4_9() -> None:
    assert spoken_digits("よろしく", "vehicle") is None
    assert spoken_digits("いちにさんよん よろしく", "vehicle") == "1234"


def test_phone_kind_needs_10_or_11_digits_from_zero() -> None:
    assert spoken_digits("ぜろきゅうぜろ いちいちいちいち ぜろぜろぜろいち", "phone") == "09011110001"
    assert spoken_digits("03-1234-5678", "phone") == "0312345678"
    assert spoken_digits("190-1111-0001", "phone") is None
    assert spoken_digits("090-111-000", "phone") is None
    assert spoken_digits("1234", "phone") is None


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        parse_spoken_number("1234", "fax")


# ----- properties: every rendering of a number, drawn by hypothesis strategies (they shrink) -------

@settings(max_examples=300, deadline=None)
@given(data=st.data(), digits=SERIALS)
def test_any_serial_said_clearly_in_any_mix_of_forms_parses_back(data: st.DataObject, digits: str) -> None:
    spoken = data.draw(spoken_vehicle(digits, clear=True), label="spoken")
    assert spoken_digits(spoken, "vehicle") == digits, spoken


@settings(max_examples=300, deadline=None)
@given(data=st.data(), digits=DIGIT_STRINGS)
def test_any_digit_string_with_any_readings_is_read_back_or_refused_never_misread(
        data: st.DataObject, digits: str) -> None:
    """One-mora readings run together (いちご) may spell a word: then the slot is refused and the
    caller asked again, digit by digit. What is read is always the number said."""
    spoken = data.draw(spoken_vehicle(digits), label="spoken")
    assert spoken_digits(spoken, "vehicle") in (digits, None), spoken


@settings(max_examples=200, deadline=None)
@given(data=st.data(), digits=PHONE_NUMBERS)
def test_any_phone_number_said_clearly_parses_back(data: st.DataObject, digits: str) -> None:
    spoken = data.draw(spoken_phone(digits, clear=True), label="spoken")
    assert spoken_digits(spoken, "phone") == digits, spoken


@settings(max_examples=200, deadline=None)
@given(data=st.data(), digits=PHONE_NUMBERS)
def test_any_phone_number_in_any_mix_of_forms_is_never_misread(data: st.DataObject, digits: str) -> None:
    spoken = data.draw(spoken_phone(digits), label="spoken")
    assert spoken_digits(spoken, "phone") in (digits, None), spoken


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=1, max_value=9999), kanji=st.booleans())
def test_any_whole_number_parses_back(n: int, kanji: bool) -> None:
    spoken = whole_kanji(n) if kanji else whole_kana(n)
    assert spoken_digits(spoken, "vehicle") == str(n), spoken


# ----- properties: what is not a number is refused ----------------------------------------------

# Everyday words and names made only of number readings (に し く ご よ さん なな はち ...).
WORDS_OF_DIGIT_SOUNDS = (
    "いちご", "にし", "ごご", "よく", "さんご", "しし", "くし", "にく", "はちく", "ごく", "しく", "くに", "よし",
    "ろくに", "ごし", "しまる", "よごし", "せんご", "ごぜん", "しぜん", "しごく", "しきゅう", "きゅうよ", "ごうよく",
    "くご", "まるく", "ろっく", "いっし", "いちよし",
)
# Everyday words, phrases and names that hold number readings among other sounds.
WORDS_WITH_DIGIT_SOUNDS = (
    "よろしく", "ありがとう", "いちばんに", "こんばんは", "おつかれさま", "もしもし", "しながわ", "しらない",
    "にもつ", "ごめんなさい", "くるま", "はいたつ", "さんぽ", "ななめ", "はちみつ", "きゅうけい", "ろくでもない",
    "いしい", "よしだ", "にしかわ", "ごとう", "さんじょう", "しのはら", "いちかわ", "はちや", "くにお", "ななみ",
    "よしこ", "くどう", "にしむら", "いちろう", "しんご", "けんいち", "さくら", "ゆうご", "たくみ", "しょうご",
)
_FRAMES = (("", ""), ("えーと、", ""), ("", "です"), ("はい、", "です"), ("", "さん"), ("あの ", "ですね"))


@settings(max_examples=300, deadline=None)
@given(word=st.sampled_from(WORDS_OF_DIGIT_SOUNDS + WORDS_WITH_DIGIT_SOUNDS), script=st.sampled_from(SCRIPTS),
       frame=st.sampled_from(_FRAMES))
def test_ordinary_words_and_names_never_parse_as_numbers(word: str, script: str, frame: tuple[str, str]) -> None:
    said = frame[0] + in_script(word, script) + frame[1]
    for kind in ("vehicle", "phone"):
        assert spoken_digits(said, kind) is None, said


# Moras that are no part of any number reading, filler or frame.
NON_NUMBER_MORAS = (*"あえかけこすそたつてとぬふへほみむめもやゆらりわを", "きょ", "しゃ", "ちょ", "ぴょ")
_DIGIT_READINGS = tuple(sorted({r for rs in READINGS.values() for r in rs}))


@settings(max_examples=300, deadline=None)
@given(readings=st.lists(st.sampled_from(_DIGIT_READINGS), min_size=1, max_size=4),
       mora=st.sampled_from(NON_NUMBER_MORAS), data=st.data(), script=st.sampled_from(SCRIPTS))
def test_a_sound_no_number_has_makes_the_run_a_word(
        readings: list[str], mora: str, data: st.DataObject, script: str) -> None:
    """よろしく is not 449: the ろ that no number has makes the whole run a word, wherever it is -
    except the copula や closing a number of three digits or more (いちにさんよんや, Kansai's です)."""
    at = data.draw(st.integers(min_value=0, max_value=len(readings)), label="at")
    assume(not (mora == "や" and at == len(readings) and len(readings) >= 3))
    said = in_script("".join(readings[:at]) + mora + "".join(readings[at:]), script)
    assert spoken_digits(said, "vehicle") is None, said


@pytest.mark.parametrize(("spoken", "digits"), [
    ("いちごー", "15"), ("いち、ご", "15"), ("いち ご", "15"), ("にー、よん", "24"), ("に、し", "24"),
    ("しじゅう", "40"), ("さんぜん", "3000"), ("ろっぴゃく", "600"), ("はっせん", "8000"), ("よよよよ", "4444"),
    ("ごーごー", "55"), ("いちばん", "1"), ("いちにさんよんばんです", "1234"), ("いちに、えーと、さんよん", "1234"),
    ("品川ナンバーのいちにのさんよん", "1234"),
])
def test_numbers_said_digit_by_digit_or_with_their_frames_still_parse(spoken: str, digits: str) -> None:
    assert spoken_digits(spoken, "vehicle") == digits


@pytest.mark.parametrize("spoken", ["いちご", "にし", "にしです", "はい、にし", "ごご", "ごぜん", "いちばんに",
                                    "こんばんは", "せんご", "いっぴゃく"])
def test_words_and_phrases_are_refused(spoken: str) -> None:
    assert spoken_digits(spoken, "vehicle") is None


@pytest.mark.parametrize("n", [1, 10, 11, 20, 100, 101, 110, 300, 600, 808, 1000, 1001, 3000, 8000, 9999])
def test_whole_numbers_in_kana_and_kanji(n: int) -> None:
    assert spoken_digits(whole_kana(n), "vehicle") == str(n)
    assert spoken_digits(whole_kanji(n), "vehicle") == str(n)


@pytest.mark.parametrize(("spoken", "digits"), [
    ("いちにのさんよんだ", "1234"), ("1234や", "1234"), ("12-34やで", "1234"), ("いちにさんよんばい", "1234"),
    ("いちにさんよん、いちにさんよん", "1234"), ("1234、はい、1234です", "1234"), ("12-34、12-34", "1234"),
    ("090-1234-5678、090-1234-5678", "09012345678"),
])
def test_a_copula_after_a_number_and_a_number_said_twice_still_parse(spoken: str, digits: str) -> None:
    kind = "phone" if len(digits) > 4 else "vehicle"
    assert spoken_digits(spoken, kind) == digits


@pytest.mark.parametrize("spoken", [
    "はちや", "いちだ", "はちばい", "はちはちや",  # names and words: a copula only after three digits or more
    "1234、1235", "いち、いち、いち、いち、いち",  # two numbers; one digit said again is no number said twice
])
def test_what_only_looks_like_a_copula_or_a_repeat_is_refused(spoken: str) -> None:
    assert spoken_digits(spoken, "vehicle") is None
