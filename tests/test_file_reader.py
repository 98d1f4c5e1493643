"""Reading dispatchers' files: encodings Excel writes in Japan, header spellings, line numbers."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from schedule_samples import EN, JA, csv_text, stop, two_vehicle_day

from schedules.file_reader import read_schedule_bytes, read_schedule_file


def _values(data: bytes, name: str = "s.csv") -> list[tuple[int, str, str, str]]:
    table = read_schedule_bytes(data, name)
    assert table.problems == []
    return [(r.line, r.values["driver_name"], r.values["driver_kana"], r.values["destination_address"])
            for r in table.rows]


def test_utf8_with_and_without_bom_and_cp932_read_the_same() -> None:
    text = csv_text(two_vehicle_day())
    plain = _values(text.encode("utf-8"))
    assert plain[2] == (4, "大田 優希", "おおた ゆうき", "東京都目黒区三田1-2-3 三田ビル5F")
    assert _values(codecs.BOM_UTF8 + text.encode("utf-8")) == plain
    assert _values(text.encode("cp932")) == plain
    assert read_schedule_bytes(text.encode("cp932"), "s.csv").encoding == "cp932"
    assert read_schedule_bytes(codecs.BOM_UTF8 + text.encode("utf-8"), "s.csv").encoding == "utf-8-sig"


def test_cp932_specific_characters_survive() -> None:
    """CP932 has characters plain Shift_JIS lacks (髙, ①); Excel writes them."""
    text = csv_text([stop(driver_name="髙橋 一郎", driver_kana="タカハシ イチロウ", notes="①番バース")])
    table = read_schedule_bytes(text.encode("cp932"), "s.csv")
    assert table.rows[0].values["driver_name"] == "髙橋 一郎"
    assert table.rows[0].values["notes"] == "①番バース"


def test_utf16_tab_separated_unicode_text_is_read() -> None:
    text = csv_text(two_vehicle_day()).replace(",", "\t")
    assert _values(text.encode("utf-16")) == _values(csv_text(two_vehicle_day()).encode("utf-8"))


def test_undecodable_bytes_are_a_problem_not_a_crash() -> None:
    data = csv_text([stop()]).encode("utf-8") + b"\x82\xff\xfe broken\r\n"
    table = read_schedule_bytes(data, "s.csv")
    assert len(table.problems) == 1
    assert "UTF-8" in table.problems[0].reason and table.problems[0].line == 3


def test_english_headers_map_to_the_same_fields() -> None:
    ja = read_schedule_bytes(csv_text([stop()], JA).encode(), "s.csv")
    en = read_schedule_bytes(csv_text([stop()], EN).encode(), "s.csv")
    assert ja.rows[0].values == en.rows[0].values
    assert en.headers["vehicle_number"] == "vehicle_number"


@pytest.mark.parametrize(
    ("written", "field"),
    [("Vehicle Number", "vehicle_number"), ("ＤＡＴＥ", "date"), ("運転者　カナ", "driver_kana"),
     ("運転者ｶﾅ", "driver_kana"), ("ﾅﾝﾊﾞｰ", "plate"), ("driver-phone", "driver_phone"),
     (" 住所カナ ", "destination_address_kana"),
     ("運転者かな", "driver_kana"), ("Stop_Seq", "stop_seq")],
)
def test_header_spelling_variants_are_tolerated(written: str, field: str) -> None:
    headers = [written if h == dict(zip(EN, JA, strict=True))[field] else h for h in JA]
    table = read_schedule_bytes(csv_text([stop()], headers).encode(), "s.csv")
    assert table.problems == []
    assert table.headers[field] == written.strip()
    assert table.rows[0].values[field] == stop()[field]


def test_unknown_headers_are_errors_naming_them() -> None:
    text = csv_text([stop()]).replace("備考", "メモ", 1).replace("積荷カナ", "色", 1)
    table = read_schedule_bytes(text.encode(), "s.csv")
    assert [(p.line, p.column) for p in table.problems] == [(1, "色"), (1, "メモ")]
    assert all("unknown column" in p.reason for p in table.problems)


def test_missing_required_column_is_reported() -> None:
    headers = [h for h in JA if h != "順番"]
    text = "\r\n".join([",".join(headers), ",".join(["x"] * len(headers))])
    table = read_schedule_bytes(text.encode(), "s.csv")
    assert any("missing required column 順番" in p.reason for p in table.problems)


def test_blank_lines_are_ignored_and_line_numbers_are_the_files() -> None:
    rows = two_vehicle_day()
    lines = csv_text(rows).split("\r\n")
    text = "\r\n".join([lines[0], "", lines[1], ",,,,,,,,,,,,,,", lines[2], "", lines[3]])
    table = read_schedule_bytes(text.encode(), "s.csv")
    assert table.problems == []
    assert [r.line for r in table.rows] == [3, 5, 7]


def test_multiline_quoted_cell_keeps_following_line_numbers_right() -> None:
    text = csv_text([stop(notes="裏口から\n台車持参"), stop(stop_seq="2")])
    table = read_schedule_bytes(text.encode(), "s.csv")
    assert [r.line for r in table.rows] == [2, 4]
    assert table.rows[0].values["notes"] == "裏口から\n台車持参"


def test_empty_file_is_a_problem() -> None:
    assert read_schedule_bytes(b"", "s.csv").problems[0].reason.startswith("the file is empty")
    header_only = read_schedule_bytes(",".join(JA).encode(), "s.csv")
    assert "no stops" in header_only.problems[0].reason


def test_value_under_a_column_without_header_is_reported() -> None:
    text = csv_text([stop()]).replace("3番バースに着けてください", "3番バースに着けてください,余分", 1)
    table = read_schedule_bytes(text.encode(), "s.csv")
    assert [(p.line, p.column) for p in table.problems] == [(2, "(P)")]


def test_xlsx_typed_cells_and_row_numbers(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(JA)
    sheet.append([dt.datetime(2026, 12, 1), "12-34", "品川 100 あ 12-34", "佐藤 健一", "サトウ ケンイチ", 9011110001, 1,
                  "有明物流センター", "東京都江東区有明3丁目5番7号", None, dt.time(9, 0), dt.time(10, 30), "3.5t",
                  None, None])
    sheet.append([None] * len(JA))
    sheet.append([dt.date(2026, 12, 1), 1234, "品川 100 あ 12-34", "佐藤 健一", "サトウ ケンイチ", "090-1111-0001", 2.0,
                  "葛飾新宿配送センター", "東京都葛飾区新宿6-3-2", None, dt.timedelta(hours=25), None, None, None,
                  None])
    path = tmp_path / "day.xlsx"
    workbook.save(path)
    table = read_schedule_file(path)
    assert table.problems == [] and table.encoding == "xlsx"
    first, second = table.rows
    assert (first.line, second.line) == (2, 4)
    assert first.values["date"] == "2026-12-01" and second.values["date"] == "2026-12-01"
    assert first.values["driver_phone"] == "09011110001"  # the leading zero a number cell dropped
    assert (first.values["window_start"], first.values["window_end"]) == ("09:00", "10:30")
    assert (second.values["vehicle_number"], second.values["stop_seq"]) == ("1234", "2")
    assert second.values["window_start"] == "25:00"


def test_old_xls_is_refused_with_advice() -> None:
    table = read_schedule_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "day.xls")
    assert ".xlsx or CSV" in table.problems[0].reason
