"""The review lists every stop of the current version with the reading drivers will hear."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
from rich.console import Console
from schedule_samples import stop, two_vehicle_day, write_csv
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.loader import load_schedule
from schedules.overrides import IndexTarget, set_override
from schedules.review import CSV_COLUMNS, print_review, review_rows, write_xlsx, written_serial
from schedules.review import write_csv as write_review_csv
from schedules.search.embedded import EmbeddedSearch

Sessions = async_sessionmaker[AsyncSession]
DAY = dt.date(2026, 12, 1)


def test_serial_is_shown_as_painted_on_the_plate() -> None:
    assert [written_serial(s) for s in ("1234", "123", "12", "1")] == ["12-34", "・123", "・・12", "・・・1"]


async def test_nothing_loaded_gives_none(sessionmaker: Sessions) -> None:
    assert await review_rows(sessionmaker, DAY) is None


async def test_rows_of_the_current_version_with_readings_and_their_source(sessionmaker: Sessions,
                                                                        tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "v1.csv", two_vehicle_day()))
    rows = await review_rows(sessionmaker, DAY)
    assert rows is not None and len(rows) == 3
    assert [(r.plate, r.stop_seq) for r in rows] == [("品川 100 あ 12-34", 1), ("品川 100 あ 12-34", 2),
                                                     ("横浜 800 さ 12-34", 1)]
    first, _, third = rows
    assert (first.vehicle_number, first.driver_name, first.window) == ("12-34", "佐藤 健一", "09:00–10:00")
    assert first.destination_name_kana and first.destination_address_kana and first.window_kana
    assert not first.address_kana_from_file
    assert third.address_kana_from_file and third.cargo_kana_from_file
    assert third.cargo_kana == "セイミツキキ サンダイ"


async def test_review_follows_the_newest_version(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "v1.csv", two_vehicle_day()))
    await load_schedule(sessionmaker, write_csv(tmp_path / "v2.csv", two_vehicle_day()[:1]))
    rows = await review_rows(sessionmaker, DAY)
    assert rows is not None and [(r.version, r.stop_seq) for r in rows] == [(2, 1)]


async def test_terminal_table_shows_texts_and_readings(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()))
    rows = await review_rows(sessionmaker, DAY)
    assert rows is not None
    out = io.StringIO()
    print_review(rows, Console(file=out, width=160))
    text = out.getvalue()
    for row in rows:
        assert row.destination_name in text and row.destination_name_kana in text
    assert "セイミツキキ サンダイ" in text and "file" in text
    assert "大田 優希" in text and "横浜 800 さ 12-34" in text


async def test_review_marks_address_readings_the_dictionary_guessed(sessionmaker: Sessions, tmp_path: Path) -> None:
    rows = [stop(stop_seq="1"), stop(stop_seq="2", destination_address="東京都江東区架空町3-5-7")]
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", rows))
    review = await review_rows(sessionmaker, DAY)
    assert review is not None
    assert [r.address_kana_uncertain for r in review] == [False, True]
    out = io.StringIO()
    print_review(review, Console(file=out, width=200))
    text = out.getvalue()
    assert "1 address readings marked check" in text
    address_lines = [line for line in text.splitlines() if "address" in line and "江東区" in line]
    assert [line.rstrip().endswith("check") for line in address_lines] == [False, True]
    write_review_csv(review, tmp_path / "review.csv")
    with (tmp_path / "review.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [r["address_kana_uncertain"] for r in csv.DictReader(handle)] == ["", "yes"]


async def test_csv_export_has_a_bom_for_excel_and_every_stop(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()))
    rows = await review_rows(sessionmaker, DAY)
    assert rows is not None
    out = tmp_path / "review.csv"
    write_review_csv(rows, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert list(records[0]) == CSV_COLUMNS
    assert [r["destination_address_kana"] for r in records] == [r.destination_address_kana for r in rows]
    assert [r["address_kana_from_file"] for r in records] == ["", "", "yes"]


async def test_xlsx_export(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()))
    rows = await review_rows(sessionmaker, DAY)
    assert rows is not None
    out = tmp_path / "review.xlsx"
    write_xlsx(rows, out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == CSV_COLUMNS and len(values) == 4
    assert values[3][CSV_COLUMNS.index("cargo_kana")] == "セイミツキキ サンダイ"


async def test_review_marks_readings_fixed_in_the_console(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()))
    await set_override(sessionmaker, kind="address", text="東京都葛飾区新宿6-3-2", reading="カツシカク ニイジュク",
                       user="yamada", since=DAY, index=IndexTarget("default", EmbeddedSearch(sessionmaker)))
    rows = await review_rows(sessionmaker, DAY)
    assert rows is not None and [r.fixed_in_console for r in rows] == ["", "address", ""]
    out = io.StringIO()
    print_review(rows, Console(file=out, width=200))
    fixed = [line for line in out.getvalue().splitlines() if "カツシカク ニイジュク" in line]
    assert len(fixed) == 1 and fixed[0].rstrip().endswith("console")
