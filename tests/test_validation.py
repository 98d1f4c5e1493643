"""Every validation rule, each problem with the file's line, the column as written, and a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from schedule_samples import EN, csv_text, stop, two_vehicle_day

from schedules.file_reader import read_schedule_bytes
from schedules.validation import Validated, parse_date, parse_time, validate


def check(rows: list[dict[str, str]], headers: list[str] | None = None) -> Validated:
    text = csv_text(rows) if headers is None else csv_text(rows, headers)
    return validate(read_schedule_bytes(text.encode(), "s.csv"))


def where(result: Validated) -> list[tuple[int, str]]:
    return [(p.line, p.column) for p in result.problems]


def test_a_valid_day_has_no_problems_and_normalizes_values() -> None:
    result = check(two_vehicle_day())
    assert result.problems == []
    assert result.date == dt.date(2026, 12, 1)
    first, _, third = result.stops
    assert (first.serial, first.driver_phone, first.stop_seq) == ("1234", "09011110001", 1)
    assert (first.window_start, first.window_end) == (dt.time(9), dt.time(10))
    assert third.driver_kana == "オオタ ユウキ"  # hiragana stored as katakana
    assert third.cargo_kana == "セイミツキキ サンダイ"
    assert first.address_kana is None and third.address_kana is not None


@pytest.mark.parametrize("field", ["date", "vehicle_number", "driver_name", "driver_kana", "stop_seq",
                                   "destination_name", "destination_address"])
def test_missing_required_value(field: str) -> None:
    result = check([stop(**{field: ""})])
    column = dict(zip(EN, ["運行日", "車番", "ナンバー", "運転者", "運転者カナ", "携帯電話", "順番", "届け先", "住所"],
                      strict=False))[field]
    assert where(result) == [(2, column)]
    assert result.problems[0].reason == "missing value (required)"


def test_optional_values_may_be_empty() -> None:
    result = check([stop(plate="", driver_phone="", window_start="", window_end="", cargo="", notes="")])
    assert result.problems == []


@pytest.mark.parametrize(("text", "reason"), [("2026-02-30", "impossible date 2026-02-30"),
                                              ("2026-13-01", "impossible date 2026-13-01"),
                                              ("明日", "not a date")])
def test_impossible_or_unreadable_dates(text: str, reason: str) -> None:
    result = check([stop(date=text)])
    assert where(result) == [(2, "運行日")]
    assert result.problems[0].reason.startswith(reason)


@pytest.mark.parametrize("text", ["2026/12/1", "2026年12月1日", "２０２６－１２－０１", "20261201"])
def test_common_date_spellings_are_accepted(text: str) -> None:
    assert parse_date(text) == dt.date(2026, 12, 1)


@pytest.mark.parametrize(("text", "expected"), [("9:00", dt.time(9)), ("０９：３０", dt.time(9, 30)),
                                                ("9時", dt.time(9)), ("9時30分", dt.time(9, 30)),
                                                ("23:59:00", dt.time(23, 59))])
def test_common_time_spellings_are_accepted(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(("field", "text", "column", "reason"),
                         [("window_start", "25:00", "到着開始", "impossible time 25:00"),
                          ("window_end", "10:60", "到着終了", "impossible time 10:60"),
                          ("window_end", "正午", "到着終了", "not a time")])
def test_impossible_or_unreadable_times(field: str, text: str, column: str, reason: str) -> None:
    result = check([stop(**{field: text})])
    assert where(result) == [(2, column)]
    assert result.problems[0].reason.startswith(reason)


def test_window_ending_before_it_starts() -> None:
    result = check([stop(window_start="14:00", window_end="13:00")])
    assert where(result) == [(2, "到着終了")]
    assert "before it starts" in result.problems[0].reason


@pytest.mark.parametrize("written", ["12-345", "0123", "abc", "１２３４５", "-"])
def test_unusable_vehicle_number(written: str) -> None:
    result = check([stop(vehicle_number=written, plate="")])
    assert where(result) == [(2, "車番")]
    assert "unusable vehicle number" in result.problems[0].reason


@pytest.mark.parametrize(("written", "serial"), [("12-34", "1234"), ("1234", "1234"), ("・123", "123"),
                                                 ("・・12", "12"), ("１２－３４", "1234")])
def test_vehicle_number_spellings_become_canonical_digits(written: str, serial: str) -> None:
    result = check([stop(vehicle_number=written, plate="")])
    assert result.problems == []
    assert result.stops[0].serial == serial


def test_plate_ending_in_another_number_than_the_vehicle_number() -> None:
    result = check([stop(vehicle_number="56-78")])
    assert where(result) == [(2, "ナンバー")]


@pytest.mark.parametrize("phone", ["090-1111", "phone", "12-3456-7890"])
def test_bad_phone(phone: str) -> None:
    result = check([stop(driver_phone=phone)])
    assert where(result) == [(2, "携帯電話")]


@pytest.mark.parametrize("seq", ["0", "-1", "1.5", "一", "a"])
def test_stop_seq_must_be_a_positive_integer(seq: str) -> None:
    result = check([stop(stop_seq=seq)])
    assert where(result) == [(2, "順番")]


def test_full_width_stop_seq_is_accepted() -> None:
    assert check([stop(stop_seq="１２")]).stops[0].stop_seq == 12


@pytest.mark.parametrize(("field", "text", "column"), [("driver_kana", "佐藤 ケンイチ", "運転者カナ"),
                                                        ("driver_kana", "Sato Kenichi", "運転者カナ"),
                                                        ("destination_address_kana", "トウキョウト 3チョウメ",
                                                         "住所カナ"),
                                                        ("cargo_kana", "パレット12マイ", "積荷カナ")])
def test_kana_fields_reject_kanji_latin_and_digits(field: str, text: str, column: str) -> None:
    result = check([stop(**{field: text})])
    assert where(result) == [(2, column)]
    assert "must be written in kana" in result.problems[0].reason


def test_kana_spacing_and_half_width_are_normalized() -> None:
    result = check([stop(driver_kana="　ｻﾄｳ　　けんいち ")])
    assert result.stops[0].driver_kana == "サトウ ケンイチ"


def test_duplicate_stop_of_one_vehicle() -> None:
    result = check([stop(), stop(destination_name="別の届け先")])
    assert where(result) == [(3, "順番")]
    assert "already has stop 1 on line 2" in result.problems[0].reason


def test_same_serial_on_plates_of_different_regions_is_not_a_duplicate() -> None:
    result = check([stop(), stop(plate="横浜 800 さ 12-34", driver_name="大田 優希", driver_kana="オオタ ユウキ",
                                 driver_phone="")])
    assert result.problems == []


def test_one_vehicle_with_two_drivers() -> None:
    other = stop(stop_seq="2", driver_name="鈴木 健一", driver_kana="スズキ ケンイチ", driver_phone="")
    result = check([stop(), other])
    assert where(result) == [(3, "運転者")]
    assert "has two drivers" in result.problems[0].reason


def test_one_phone_with_two_drivers() -> None:
    other = stop(vehicle_number="77-77", plate="千葉 100 え 77-77", driver_name="加藤 学", driver_kana="カトウ マナブ")
    result = check([stop(), other])
    assert where(result) == [(3, "携帯電話")]
    assert "phone shared by two drivers" in result.problems[0].reason


def test_one_driver_may_drive_two_vehicles() -> None:
    result = check([stop(), stop(vehicle_number="77-77", plate="千葉 100 え 77-77")])
    assert result.problems == []


def test_several_dates_in_one_file() -> None:
    rows = two_vehicle_day()
    rows[2]["date"] = "2026-12-02"
    result = check(rows)
    assert where(result) == [(4, "運行日")]
    assert "several dates" in result.problems[0].reason


def test_too_long_values_are_refused_before_the_database_does() -> None:
    result = check([stop(destination_name="セ" * 201)])
    assert where(result) == [(2, "届け先")]


def test_every_problem_is_reported_in_one_run_with_the_files_own_headers() -> None:
    rows = [stop(), stop(date="2026-02-30", stop_seq="2"), stop(stop_seq="0", window_start="25:00"),
            stop(stop_seq="1"), stop(vehicle_number="x", stop_seq="3", driver_phone="1")]
    result = check(rows, EN)
    assert where(result) == [(3, "date"), (4, "stop_seq"), (4, "window_start"), (5, "stop_seq"),
                             (6, "vehicle_number"), (6, "driver_phone")]
    assert result.stops and len(result.stops) == 2  # the valid rows are still parsed
    assert str(result.problems[0]) == "line 3, column date: impossible date 2026-02-30"
