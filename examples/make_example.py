"""Regenerate the example schedule files (deterministic): `.venv/bin/python examples/make_example.py`.

Writes schedule-2026-12-01.csv (UTF-8 with BOM, as Excel saves "CSV UTF-8") and
schedule-2026-12-01.xlsx (the same stops). broken-schedule.csv is written by hand.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.schedule_data import JA_HEADERS, make_destinations, make_vehicles, schedule_rows  # noqa: E402

DATE = "2026-12-01"

# Destinations every review should show: the readings that go wrong without Japan Post's data.
NAMED_PLACES = {
    "東京都": [
        ("三田ビル管理事務所", "東京都目黒区三田1丁目4番1号 三田ビル1F"),
        ("葛飾新宿配送センター", "東京都葛飾区新宿6-3-2"),
        ("日本橋 中央郵便納品口", "東京都中央区日本橋2丁目7番1号 東京日本橋タワー B1"),
        ("東雲ロジセンター", "東京都江東区東雲2丁目7番1号 東雲ロジセンター B1"),
    ],
    "大阪府": [
        ("でんでんタウン 日本橋店", "大阪府大阪市浪速区日本橋4丁目9番15号"),
        ("放出配送センター", "大阪府大阪市鶴見区放出東3丁目2番1号"),
    ],
}
# A few readings typed by the dispatcher (住所カナ), one of them in hiragana: they win over the rendering.
OVERRIDES = {
    "東京都江東区東雲2丁目7番1号 東雲ロジセンター B1":
        ("住所カナ", "トウキョウト コウトウク シノノメ ニチョウメ ナナバン イチゴウ シノノメロジセンター チカイッカイ"),
    "大阪府大阪市鶴見区放出東3丁目2番1号":
        ("住所カナ", "おおさかふ おおさかし つるみく はなてんひがし さんちょうめ にばん いちごう"),
}
CARGO_KANA = {"精密機器 3台 天地無用": "セイミツキキ サンダイ テンチムヨウ"}


def build() -> list[list[str]]:
    rng = random.Random(20261201)
    vehicles = make_vehicles(rng, 56)
    destinations = make_destinations(rng, 14)
    for prefecture, places in NAMED_PLACES.items():
        destinations[prefecture] = places + destinations[prefecture][len(places):]
    rows = list(schedule_rows(DATE, vehicles, destinations, rng, (3, 8)))
    address, cargo, address_kana, cargo_kana = (JA_HEADERS.index(h) for h in ("住所", "積荷", "住所カナ", "積荷カナ"))
    for row in rows:
        if row[address] in OVERRIDES:
            row[address_kana] = OVERRIDES[row[address]][1]
        row[cargo_kana] = CARGO_KANA.get(row[cargo], "")
    return rows


def main() -> None:
    rows = build()
    csv_path = HERE / f"schedule-{DATE}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(JA_HEADERS)
        writer.writerows(rows)

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATE
    sheet.append(JA_HEADERS)
    for row in rows:
        sheet.append([int(v) if JA_HEADERS[i] == "順番" else v for i, v in enumerate(row)])
    workbook.save(HERE / f"schedule-{DATE}.xlsx")
    print(f"{len(rows)} stops written to {csv_path.name} and schedule-{DATE}.xlsx")


if __name__ == "__main__":
    main()
