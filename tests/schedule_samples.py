"""Small schedule files for the loading tests, written the way dispatchers' tools write them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_CSV = EXAMPLES / "schedule-2026-12-01.csv"
EXAMPLE_XLSX = EXAMPLES / "schedule-2026-12-01.xlsx"
BROKEN_CSV = EXAMPLES / "broken-schedule.csv"

JA = ["運行日", "車番", "ナンバー", "運転者", "運転者カナ", "携帯電話", "順番", "届け先", "住所", "住所カナ",
      "到着開始", "到着終了", "積荷", "積荷カナ", "備考"]
EN = ["date", "vehicle_number", "plate", "driver_name", "driver_kana", "driver_phone", "stop_seq",
      "destination_name", "destination_address", "destination_address_kana", "window_start", "window_end",
      "cargo", "cargo_kana", "notes"]


def stop(**values: str) -> dict[str, str]:
    """A valid stop (by English field name); keyword arguments change single fields."""
    row = {
        "date": "2026-12-01",
        "vehicle_number": "12-34",
        "plate": "品川 100 あ 12-34",
        "driver_name": "佐藤 健一",
        "driver_kana": "サトウ ケンイチ",
        "driver_phone": "090-1111-0001",
        "stop_seq": "1",
        "destination_name": "有明物流センター",
        "destination_address": "東京都江東区有明3丁目5番7号",
        "destination_address_kana": "",
        "window_start": "09:00",
        "window_end": "10:00",
        "cargo": "パレット12枚 冷蔵",
        "cargo_kana": "",
        "notes": "3番バースに着けてください",
    }
    row.update(values)
    return row


def csv_text(rows: list[dict[str, str]], headers: list[str] = JA) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(field, "") for field in EN])
    return out.getvalue()


def write_csv(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8", headers: list[str] = JA) -> Path:
    path.write_bytes(csv_text(rows, headers).encode(encoding))
    return path


def two_vehicle_day(date: str = "2026-12-01") -> list[dict[str, str]]:
    """Three stops on two vehicles that share the serial 12-34 on plates of different regions."""
    return [
        stop(date=date),
        stop(date=date, stop_seq="2", destination_name="葛飾新宿配送センター",
             destination_address="東京都葛飾区新宿6-3-2", window_start="13:00", window_end="14:00", cargo="3.5t"),
        stop(date=date, plate="横浜 800 さ 12-34", driver_name="大田 優希", driver_kana="おおた ゆうき",
             driver_phone="", destination_name="三田ビル", destination_address="東京都目黒区三田1-2-3 三田ビル5F",
             destination_address_kana="トウキョウト メグロク ミタ イチノニノサン ミタビル ゴカイ",
             cargo="精密機器 3台", cargo_kana="せいみつきき さんだい", notes=""),
    ]
