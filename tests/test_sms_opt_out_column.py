"""The schedule file's optional SMS opt-out column (sms_opt_out / SMS不要), stored on the driver."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from schedules.file_reader import read_schedule_bytes
from schedules.loader import load_schedule
from schedules.models import Driver
from schedules.validation import validate, yes_no

JA_HEAD = "運行日,車番,運転者,運転者カナ,携帯電話,順番,届け先,住所"
SATO = "2026-12-01,12-34,佐藤 健一,サトウ ケンイチ,090-1111-0001"
SUZUKI = "2026-12-01,90-12,鈴木 一郎,スズキ イチロウ,090-4444-0004"


def rows(head: str, *lines: str) -> bytes:
    return ("\n".join([head, *lines]) + "\n").encode()


@pytest.mark.parametrize("cell, value", [
    ("1", True), ("0", False), ("yes", True), ("No", False), ("はい", True), ("いいえ", False),
    ("○", True), ("×", False), ("〇", True), ("TRUE", True), ("ｙｅｓ", True), ("", None), ("maybe", None),
])
def test_yes_no_values(cell: str, value: bool | None) -> None:
    assert yes_no(cell) is value


def test_english_and_japanese_headers_both_name_the_column() -> None:
    for header in ("sms_opt_out", "SMS不要", "ＳＭＳ不要", "SMS Opt Out"):
        table = read_schedule_bytes(rows(JA_HEAD + f",{header}", f"{SATO},1,有明,東京都江東区有明3丁目,はい"))
        valid = validate(table)
        assert not valid.problems, header
        assert valid.stops[0].sms_opt_out is True


def test_an_empty_cell_is_no_and_a_file_without_the_column_says_nothing() -> None:
    with_column = validate(read_schedule_bytes(rows(JA_HEAD + ",SMS不要", f"{SATO},1,有明,東京都江東区有明3丁目,")))
    assert with_column.stops[0].sms_opt_out is False
    without = validate(read_schedule_bytes(rows(JA_HEAD, f"{SATO},1,有明,東京都江東区有明3丁目")))
    assert without.stops[0].sms_opt_out is None


def test_a_bad_value_is_reported_with_its_line_and_column() -> None:
    valid = validate(read_schedule_bytes(rows(JA_HEAD + ",SMS不要",
                                              f"{SATO},1,有明,東京都江東区有明3丁目,はい",
                                              f"{SUZUKI},1,練馬,東京都練馬区豊玉北5丁目,たぶん")))
    assert [str(p) for p in valid.problems] == [
        "line 3, column SMS不要: expected 1/0, yes/no, はい/いいえ or ○/×, got 'たぶん'"]


def test_a_driver_marked_both_ways_is_reported_at_the_later_line() -> None:
    valid = validate(read_schedule_bytes(rows(JA_HEAD + ",sms_opt_out",
                                              f"{SATO},1,有明,東京都江東区有明3丁目,1",
                                              f"{SATO},2,三田,東京都目黒区三田1丁目,0")))
    assert len(valid.problems) == 1
    problem = valid.problems[0]
    assert (problem.line, problem.column) == (3, "sms_opt_out") and "line 2" in problem.reason


def test_excel_boolean_and_number_cells() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*JA_HEAD.split(","), "SMS不要"])
    sheet.append([*SATO.split(","), 1, "有明", "東京都江東区有明3丁目", True])
    sheet.append([*SUZUKI.split(","), 1, "練馬", "東京都練馬区豊玉北5丁目", 0])
    out = io.BytesIO()
    book.save(out)
    valid = validate(read_schedule_bytes(out.getvalue(), "day.xlsx"))
    assert not valid.problems and [s.sms_opt_out for s in valid.stops] == [True, False]


async def _flags(sessionmaker) -> dict[str, bool]:
    async with sessionmaker() as session:
        return {d.name: d.sms_opt_out for d in (await session.execute(select(Driver))).scalars()}


async def test_loading_sets_the_drivers_choice_and_a_file_without_the_column_keeps_it(
        sessionmaker, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_bytes(rows(JA_HEAD + ",SMS不要", f"{SATO},1,有明,東京都江東区有明3丁目,はい",
                           f"{SUZUKI},1,練馬,東京都練馬区豊玉北5丁目,"))
    assert (await load_schedule(sessionmaker, first)).ok
    assert await _flags(sessionmaker) == {"佐藤 健一": True, "鈴木 一郎": False}
    second = tmp_path / "b.csv"
    second.write_bytes(rows(JA_HEAD, f"{SATO},1,三田,東京都目黒区三田1丁目",
                            f"{SUZUKI},1,練馬,東京都練馬区豊玉北5丁目"))
    assert (await load_schedule(sessionmaker, second)).ok
    assert await _flags(sessionmaker) == {"佐藤 健一": True, "鈴木 一郎": False}
    third = tmp_path / "c.csv"
    third.write_bytes(rows(JA_HEAD + ",sms_opt_out", f"{SATO},1,有明,東京都江東区有明3丁目,no",
                           f"{SUZUKI},1,練馬,東京都練馬区豊玉北5丁目,yes"))
    assert (await load_schedule(sessionmaker, third)).ok
    assert await _flags(sessionmaker) == {"佐藤 健一": False, "鈴木 一郎": True}


async def test_a_bad_value_loads_nothing(sessionmaker, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(rows(JA_HEAD + ",SMS不要", f"{SATO},1,有明,東京都江東区有明3丁目,?"))
    report = await load_schedule(sessionmaker, bad)
    assert not report.ok and await _flags(sessionmaker) == {}
