"""Spoken numbers → digits: the issue's forms, every reading, frames, rejections, and round trips."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spoken_forms import render_phone, render_vehicle, whole_kana, whole_kanji

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


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=1, max_value=9999), seed=st.integers(min_value=0, max_value=2**32))
def test_any_serial_in_any_mix_of_forms_parses_back(n: int, seed: int) -> None:
    rng = random.Random(seed)
    spoken = render_vehicle(str(n), rng)
    assert spoken_digits(spoken, "vehicle") == str(n), spoken


@settings(max_examples=200, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=1, max_size=4).filter(lambda d: not d.startswith("0")),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_digit_string_with_random_readings_parses_back(digits: str, seed: int) -> None:
    rng = random.Random(seed)
    spoken = render_vehicle(digits, rng)
    assert spoken_digits(spoken, "vehicle") == digits, spoken


@settings(max_examples=200, deadline=None)
@given(
    rest=st.text(alphabet="0123456789", min_size=9, max_size=10),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_any_phone_number_in_any_mix_of_forms_parses_back(rest: str, seed: int) -> None:
    digits = "0" + rest
    spoken = render_phone(digits, random.Random(seed))
    assert spoken_digits(spoken, "phone") == digits, spoken


@pytest.mark.parametrize("n", [1, 10, 11, 20, 100, 101, 110, 300, 600, 808, 1000, 1001, 3000, 8000, 9999])
def test_whole_numbers_in_kana_and_kanji(n: int) -> None:
    assert spoken_digits(whole_kana(n), "vehicle") == str(n)
    assert spoken_digits(whole_kanji(n), "vehicle") == str(n)
