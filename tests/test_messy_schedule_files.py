"""Files as dispatchers really send them: Excel exports, other date and time spellings, plates typed
anywhere and spelled two ways. Each form accepted has one meaning; anything that could mean two is
refused with its line, column and reason."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from schedule_samples import csv_text, stop, write_csv
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lookup.service import lookup_driver
from schedules.file_reader import read_schedule_bytes
from schedules.loader import load_schedule
from schedules.validation import Validated, parse_date, parse_time, validate

Sessions = async_sessionmaker[AsyncSession]


def check(rows: list[dict[str, str]]) -> Validated:
    return validate(read_schedule_bytes(csv_text(rows).encode("cp932"), "s.csv"))


@pytest.mark.parametrize("text", ["令和8年12月1日", "令和８年１２月１日", "R8.12.1", "2026/12/1(火)",
                                  "2026年12月1日（火曜日）", "2026-12-01T00:00:00", "2026/12/1 火"])
def test_era_and_weekday_date_spellings_are_accepted(text: str) -> None:
    assert parse_date(text) == dt.date(2026, 12, 1)


def test_reiwa_gannen_is_2019() -> None:
    assert parse_date("令和元年5月1日") == dt.date(2019, 5, 1)


def test_a_weekday_that_contradicts_its_date_is_refused() -> None:
    reason = parse_date("2026/12/1(水)")
    assert isinstance(reason, str) and "火曜日" in reason and "水" in reason


@pytest.mark.parametrize("text", ["12月1日", "12/1", "12月1日(火)"])
def test_a_date_without_its_year_is_refused_as_missing_the_year(text: str) -> None:
    reason = parse_date(text)
    assert isinstance(reason, str) and "year is missing" in reason


@pytest.mark.parametrize(("text", "expected"), [("9時半", dt.time(9, 30)), ("午前9時", dt.time(9)),
                                                ("午後3時", dt.time(15)), ("午後3時半", dt.time(15, 30)),
                                                ("午前0時", dt.time(0)), ("午後0時", dt.time(12)),
                                                ("3:00 PM", dt.time(15)), ("12:30 PM", dt.time(12, 30)),
                                                ("12:00 AM", dt.time(0)), ("午後 3:30", dt.time(15, 30)),
                                                ("０９：００：００", dt.time(9))])
def test_japanese_and_am_pm_time_spellings_are_accepted(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["9時:30", "9:5", "9::00", "9:0"])
def test_times_that_could_be_misread_are_refused(text: str) -> None:
    # 9時:30 used to load as 09:00:30 (heard as クジ) and 9:5 as 09:05 (or was it 9:50?).
    assert isinstance(parse_time(text), str)


@pytest.mark.parametrize("text", ["午後12時", "午前12時", "午後13時", "0:30 AM"])
def test_twelve_oclock_with_a_meridiem_is_refused_as_ambiguous(text: str) -> None:
    reason = parse_time(text)
    assert isinstance(reason, str) and "24-hour" in reason


def test_cp932_file_with_messy_cells_loads_every_row() -> None:
    rows = [stop(date="令和8年12月1日", driver_name="佐藤　健一", driver_kana="ｻﾄｳ ｹﾝｲﾁ", window_start="９時",
                 window_end="10:00:00"),
            stop(date="2026/12/1(火)", stop_seq="2", window_start="午後1時", window_end="午後2時半")]
    result = check(rows)
    assert result.problems == []
    first, second = result.stops
    assert (first.driver_name, first.driver_kana) == ("佐藤 健一", "サトウ ケンイチ")
    assert (first.window_start, first.window_end) == (dt.time(9), dt.time(10))
    assert (second.window_start, second.window_end) == (dt.time(13), dt.time(14, 30))


def test_a_whole_plate_in_the_vehicle_column_gives_the_serial_and_the_plate() -> None:
    result = check([stop(vehicle_number="品川100あ1234", plate=""),
                    stop(vehicle_number="品川 100 あ 12-34", plate="", stop_seq="2")])
    assert result.problems == []
    assert {(s.serial, s.plate) for s in result.stops} == {("1234", "品川 100 あ 12-34")}


def test_a_whole_plate_in_the_vehicle_column_must_agree_with_the_plate_column() -> None:
    result = check([stop(vehicle_number="品川100あ1234", plate="足立 400 か 12-34")])
    assert [(p.line, p.column) for p in result.problems] == [(2, "ナンバー")]


def test_one_plate_spelled_several_ways_is_one_vehicle() -> None:
    result = check([stop(plate="品川 100 あ 12-34"), stop(plate="品川100あ12-34", stop_seq="2"),
                    stop(vehicle_number="1234", plate="品川１００あ１２３４", stop_seq="3")])
    assert result.problems == []
    assert {s.vehicle_key for s in result.stops} == {("1234", "品川 100 あ 12-34")}


def test_a_plate_spelled_two_ways_cannot_hold_one_stop_number_twice() -> None:
    result = check([stop(plate="品川 100 あ 12-34"), stop(plate="品川100あ1234")])
    assert [(p.line, p.column) for p in result.problems] == [(3, "順番")]


def test_short_plates_keep_their_dots() -> None:
    result = check([stop(vehicle_number="123", plate="練馬 130 た 123", driver_phone="")])
    assert result.problems == [] and result.stops[0].plate == "練馬 130 た ・123"


def test_excel_serial_numbers_in_general_cells_are_read_as_dates_and_times() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["運行日", "車番", "運転者", "運転者カナ", "順番", "届け先", "住所", "到着開始", "到着終了"])
    sheet.append([46357, 1234, "佐藤 健一", "サトウ ケンイチ", 1, "A", "東京都江東区有明3丁目5番7号", 0.375, 0.4375])
    sheet.append([46357, 1234, "佐藤 健一", "サトウ ケンイチ", 2, "B", "東京都江東区有明3丁目5番7号", 9, 10])
    data = io.BytesIO()
    book.save(data)
    result = validate(read_schedule_bytes(data.getvalue(), "s.xlsx"))
    assert result.date == dt.date(2026, 12, 1)
    assert (result.stops[0].window_start, result.stops[0].window_end) == (dt.time(9), dt.time(10, 30))
    # A whole number in a time cell is not a time serial: 9 could be 9時; refused, not guessed.
    assert [(p.line, p.column) for p in result.problems] == [(3, "到着開始"), (3, "到着終了")]


async def test_a_plate_spelled_two_ways_still_finds_its_driver(sessionmaker: Sessions, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [stop(), stop(plate="品川100あ12-34", stop_seq="2"),
                                          stop(vehicle_number="品川100あ1234", plate="", stop_seq="3")],
                     encoding="cp932")
    report = await load_schedule(sessionmaker, path)
    assert report.ok and report.summary.vehicles == 1
    async with sessionmaker() as session:
        result = await lookup_driver(session, date=dt.date(2026, 12, 1), vehicle_text="いちにのさんよん",
                                     name_text="佐藤 健一です")
    assert result.status == "matched" and result.driver is not None and result.driver.name == "佐藤 健一"


async def test_ten_thousand_rows_with_one_bad_row_at_the_end_write_nothing(sessionmaker: Sessions,
                                                                         tmp_path: Path) -> None:
    rows = [stop(vehicle_number=str(1000 + i // 10), plate="", driver_name=f"運転手 {i // 10}",
                 driver_kana="ウンテンシュ " + "ア" * (1 + i // 10 % 7), driver_phone="", stop_seq=str(1 + i % 10),
                 notes="") for i in range(10_000)]
    rows[-1]["window_end"] = "08:00"
    report = await load_schedule(sessionmaker, write_csv(tmp_path / "big.csv", rows, encoding="cp932"))
    assert report.outcome == "rejected"
    assert [(p.line, p.column) for p in report.errors] == [(10_001, "到着終了")]
    async with sessionmaker() as session:
        found = await lookup_driver(session, date=dt.date(2026, 12, 1), vehicle_text="1000", name_text="ウンテンシュ")
    assert found.status == "not_found"
