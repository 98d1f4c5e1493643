"""Lookup speed with 100,000 stops in PostgreSQL: normalize + query + match, and the normalizers alone.

Creates a throwaway database on postgresql+asyncpg://postgres@127.0.0.1:5432 (override with
IVR_BENCH_PG_URL), migrates it, bulk-inserts the stops, measures, and drops it. Caches are cleared
before every measured call so each figure is for text never seen before.
Run: .venv/bin/python -m bench.bench_lookup
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import insert

from bench.scratch_pg import scratch_database
from jtext import openjtalk
from lookup import matcher, name_key, spoken_digits
from lookup.service import lookup_driver
from schedules.db import make_engine, make_sessionmaker
from schedules.models import Driver, LoadLog, ScheduleDay, Stop, Vehicle

DAYS, VEHICLES, STOPS_PER_VEHICLE, LOOKUPS = 5, 4000, 5, 3000  # 5 x 4000 x 5 = 100,000 stops
FAMILIES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
    ("井上", "イノウエ"), ("木村", "キムラ"), ("斎藤", "サイトウ"), ("大野", "オオノ"), ("小野", "オノ"),
]
GIVEN = [("健一", "ケンイチ"), ("翔太", "ショウタ"), ("誠", "マコト"), ("直子", "ナオコ"), ("大輔", "ダイスケ"),
         ("美咲", "ミサキ"), ("和也", "カズヤ"), ("陽子", "ヨウコ"), ("拓也", "タクヤ"), ("純", "ジュン")]
REGIONS = ["品川", "足立", "練馬", "多摩", "横浜", "千葉", "八王子", "大宮"]
KANA = {"0": "ぜろ", "1": "いち", "2": "に", "3": "さん", "4": "よん", "5": "ご", "6": "ろく", "7": "なな",
        "8": "はち", "9": "きゅう"}


def _clear_caches() -> None:
    spoken_digits.parse_spoken_number.cache_clear()
    spoken_digits._tokenize.cache_clear()
    name_key.name_key.cache_clear()
    openjtalk.dictionary_kana.cache_clear()
    matcher._region_kana.cache_clear()


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _populate(url: str, rng: random.Random) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    drivers, vehicles, probes = [], [], []
    plates: set[str] = set()
    for i in range(1, VEHICLES + 1):
        (fam, fam_kana), (giv, giv_kana) = rng.choice(FAMILIES), rng.choice(GIVEN)
        drivers.append({"id": i, "name": f"{fam} {giv}", "name_kana": f"{fam_kana} {giv_kana}",
                        "phone": f"090{i:08d}", "created_at": now})
        serial, plate = "", ""
        while not plate or plate in plates:  # a serial recurs across regions; (serial, plate) is unique
            serial = str(rng.randint(1, 9999))
            plate = f"{rng.choice(REGIONS)} 100 あ {serial}"
        plates.add(plate)
        vehicles.append({"id": i, "serial": serial, "plate": plate, "created_at": now})
        probes.append((serial, fam, fam_kana))
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(insert(LoadLog), [{"id": 1, "file_name": "bench", "checksum": "0" * 64, "rows": 0,
                                              "started_at": now, "outcome": "loaded", "error_count": 0,
                                              "message": "", "summary": {}}])
        await conn.execute(insert(Driver), drivers)
        await conn.execute(insert(Vehicle), vehicles)
        days = [{"id": d + 1, "date": dt.date(2026, 12, 1) + dt.timedelta(days=d), "version": 1, "is_current": True,
                 "load_id": 1, "checksum": "0" * 64, "created_at": now} for d in range(DAYS)]
        await conn.execute(insert(ScheduleDay), days)
        batch: list[dict[str, object]] = []
        for d in range(DAYS):
            for v in range(1, VEHICLES + 1):
                for seq in range(1, STOPS_PER_VEHICLE + 1):
                    batch.append({
                        "schedule_day_id": d + 1, "vehicle_id": v, "driver_id": v,
                        "stop_seq": seq, "source_line": seq,
                        "destination_name": "有明物流センター", "destination_name_kana": "アリアケブツリュウセンター",
                        "destination_address": "東京都江東区有明3丁目5番7号",
                        "destination_address_kana": "トウキョウト",
                        "address_kana_from_file": False, "window_kana": "", "cargo": "", "cargo_kana": "",
                        "cargo_kana_from_file": False, "notes": "", "notes_kana": "", "status": "planned",
                    })
                    if len(batch) == 10_000:
                        await conn.execute(insert(Stop), batch)
                        batch = []
        if batch:
            await conn.execute(insert(Stop), batch)
        await conn.exec_driver_sql("ANALYZE")
    print(f"inserted {DAYS * VEHICLES * STOPS_PER_VEHICLE:,} stops in {time.perf_counter() - started:.1f} s")
    await engine.dispose()
    return probes


def _spoken(serial: str, rng: random.Random) -> str:
    form = rng.randrange(3)
    if form == 0:
        return "".join(KANA[c] for c in serial)
    if form == 1 and len(serial) == 4:
        return serial[:2] + "の" + serial[2:]
    return f"えーと、車番は{serial}です"


async def _measure_lookups(url: str, probes: list[tuple[str, str, str]], rng: random.Random) -> list[float]:
    engine = make_engine(url)
    samples: list[float] = []
    statuses: dict[str, int] = {}
    async with make_sessionmaker(engine)() as session:
        for i in range(LOOKUPS + 100):
            serial, fam, fam_kana = rng.choice(probes)
            name = fam if rng.random() < 0.5 else fam_kana
            day = dt.date(2026, 12, 1) + dt.timedelta(days=rng.randrange(DAYS))
            vehicle_text = _spoken(serial, rng)
            _clear_caches()
            t = time.perf_counter()
            result = await lookup_driver(session, date=day, vehicle_text=vehicle_text, name_text=name + "です")
            elapsed = time.perf_counter() - t
            if i >= 100:  # the first hundred warm the pool and the dictionary
                samples.append(elapsed)
                statuses[result.status] = statuses.get(result.status, 0) + 1
    await engine.dispose()
    print(f"statuses: {statuses}")
    return samples


def _measure(fn: Callable[[], object], n: int = 3000) -> list[float]:
    out = []
    for _ in range(n):
        _clear_caches()
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _report(label: str, samples: list[float]) -> None:
    print(f"{label:<44} p50 {_pct(samples, 0.5):6.3f} ms  p99 {_pct(samples, 0.99):6.3f} ms  "
          f"mean {statistics.fmean(samples) * 1000:6.3f} ms  (n={len(samples)})")


async def main() -> None:
    rng = random.Random(7)
    async with scratch_database() as url:
        probes = await _populate(url, rng)
        _report("lookup (normalize + query + match)", await _measure_lookups(url, probes, rng))
        texts = [_spoken(str(rng.randint(1, 9999)), rng) for _ in range(200)]
        parse = spoken_digits.parse_spoken_number
        _report("spoken number parser", _measure(lambda: parse(rng.choice(texts), "vehicle")))
        _report("name key, kana (さとうけんいちです)", _measure(lambda: name_key.name_key("さとうけんいちです")))
        _report("name key, kanji via pyopenjtalk (佐藤健一です)", _measure(lambda: name_key.name_key("佐藤健一です")))


if __name__ == "__main__":
    asyncio.run(main())
