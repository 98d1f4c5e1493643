"""Shared by the guidance, search and end-to-end tests: a small real schedule, loaded by the real loader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.loader import LoadReport, load_schedule
from schedules.search.indexing import embedded_on_loaded

DAY = dt.date(2026, 12, 1)
NEXT_DAY = dt.date(2026, 12, 2)
HEADER = ("date,vehicle_number,plate,driver_name,driver_kana,driver_phone,stop_seq,destination_name,"
          "destination_address,window_start,window_end,cargo,notes")

TODAY_ROWS = [
    # 佐藤 健一: a plain strict match on 12-34.
    "2026-12-01,12-34,品川 100 あ 12-34,佐藤 健一,サトウ ケンイチ,090-1111-0001,1,有明物流センター,"
    "東京都江東区有明3丁目5番7号,09:00,10:00,パレット12枚 冷蔵,3番バースに着けてください。駐車場は北側です",
    "2026-12-01,12-34,品川 100 あ 12-34,佐藤 健一,サトウ ケンイチ,090-1111-0001,2,三田ストア,"
    "東京都目黒区三田1丁目2番3号,13:00,14:00,ケース20個,裏口の搬入口から入ってください",
    # Two drivers on the same serial (different regions) who share the family name オオタ.
    "2026-12-01,56-78,品川 100 い 56-78,太田 裕樹,オオタ ユウキ,090-2222-0002,1,葛飾配送センター,"
    "東京都葛飾区新宿2丁目1番1号,08:00,09:00,段ボール30箱,守衛所で受付してください",
    "2026-12-01,56-78,足立 100 う 56-78,太田 誠,オオタ マコト,090-3333-0003,1,足立倉庫,"
    "東京都足立区千住1丁目1番1号,10:00,11:00,パレット4枚,正門は使えません",
    # 鈴木 一郎 on 90-12.
    "2026-12-01,90-12,練馬 100 え 90-12,鈴木 一郎,スズキ イチロウ,090-4444-0004,1,練馬センター,"
    "東京都練馬区豊玉北5丁目1番1号,15:00,16:00,冷凍品10ケース,2階の荷受け場へ",
]
TOMORROW_ROWS = [
    "2026-12-02,12-34,品川 100 あ 12-34,佐藤 健一,サトウ ケンイチ,090-1111-0001,1,横浜港倉庫,"
    "神奈川県横浜市中区海岸通1丁目1番地,07:00,08:00,パレット6枚,岸壁側の入口を使ってください",
]


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


async def load_rows(sessionmaker: async_sessionmaker[AsyncSession], path: Path, rows: list[str],
                    depot_id: str = "default") -> LoadReport:
    report = await load_schedule(sessionmaker, write_csv(path, rows), on_loaded=embedded_on_loaded(depot_id))
    assert report.ok, [str(e) for e in report.errors]
    return report


async def load_days(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    await load_rows(sessionmaker, tmp_path / "today.csv", TODAY_ROWS)
    await load_rows(sessionmaker, tmp_path / "tomorrow.csv", TOMORROW_ROWS)
