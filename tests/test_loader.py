"""Loading into the database: all or nothing, versions kept, reloads recognized, on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from schedule_samples import BROKEN_CSV, EXAMPLE_CSV, EXAMPLE_XLSX, stop, two_vehicle_day, write_csv
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schedules.loader import load_schedule
from schedules.models import Driver, LoadLog, ScheduleDay, Stop, Vehicle

Sessions = async_sessionmaker[AsyncSession]


async def counts(sessionmaker: Sessions) -> dict[str, int]:
    async with sessionmaker() as session:
        return {model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Driver, Vehicle, ScheduleDay, Stop, LoadLog)}


async def current_day(sessionmaker: Sessions, date: dt.date) -> ScheduleDay | None:
    async with sessionmaker() as session:
        return await session.scalar(select(ScheduleDay).where(ScheduleDay.date == date, ScheduleDay.is_current))


async def test_valid_file_loads_stops_drivers_vehicles_and_readings(sessionmaker: Sessions, tmp_path: Path) -> None:
    report = await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()))
    assert report.outcome == "loaded" and report.errors == []
    s = report.summary
    assert (s.date, s.version, s.stops, s.vehicles, s.drivers) == (dt.date(2026, 12, 1), 1, 3, 2, 2)
    assert s.readings_from_file == 2  # the third stop's 住所カナ and 積荷カナ
    assert await counts(sessionmaker) == {"drivers": 2, "vehicles": 2, "schedule_days": 1, "stops": 3, "load_log": 1}
    async with sessionmaker() as session:
        stops = (await session.scalars(select(Stop).order_by(Stop.source_line))).all()
        vehicles = {(v.serial, v.plate) for v in (await session.scalars(select(Vehicle))).all()}
        drivers = {(d.name, d.name_kana, d.phone) for d in (await session.scalars(select(Driver))).all()}
    assert vehicles == {("1234", "品川 100 あ 12-34"), ("1234", "横浜 800 さ 12-34")}
    assert drivers == {("佐藤 健一", "サトウ ケンイチ", "09011110001"), ("大田 優希", "オオタ ユウキ", "")}
    assert [s.source_line for s in stops] == [2, 3, 4]
    assert all(s.destination_name_kana and s.destination_address_kana for s in stops)
    assert stops[0].window_kana and stops[0].cargo_kana and stops[0].notes_kana
    assert not stops[0].address_kana_from_file and not stops[0].cargo_kana_from_file
    assert stops[2].destination_address_kana == "トウキョウト メグロク ミタ イチノニノサン ミタビル ゴカイ"
    assert stops[2].cargo_kana == "セイミツキキ サンダイ"
    assert stops[2].address_kana_from_file and stops[2].cargo_kana_from_file
    assert s.readings_rendered == 3 + 3 + 2 + 2 + 2  # names 3, windows 3, addresses 2, cargo 2, notes 2
    assert stops[2].window_start == dt.time(9) and stops[1].window_end == dt.time(14)


async def test_an_address_read_by_the_dictionary_is_marked_uncertain_unless_typed(sessionmaker: Sessions,
                                                                                  tmp_path: Path) -> None:
    rows = [
        stop(stop_seq="1", destination_address="東京都葛飾区新宿3丁目5番7号"),
        stop(stop_seq="2", destination_address="東京都江東区架空町1-2 メゾン三田101"),
        stop(stop_seq="3", destination_address="東京都江東区架空町1-2",
             destination_address_kana="トウキョウト コウトウク カクウチョウ イチノニ"),
    ]
    report = await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", rows))
    assert report.outcome == "loaded", report.errors
    async with sessionmaker() as session:
        stops = (await session.scalars(select(Stop).order_by(Stop.stop_seq))).all()
    assert [(s.address_kana_uncertain, s.address_kana_from_file) for s in stops] == [
        (False, False), (True, False), (False, True)
    ]


async def test_rejected_file_writes_no_schedule_data_only_the_audit_row(sessionmaker: Sessions,
                                                                         tmp_path: Path) -> None:
    rows = [*two_vehicle_day(), stop(stop_seq="9", date="2026-02-30")]
    report = await load_schedule(sessionmaker, write_csv(tmp_path / "bad.csv", rows))
    assert report.outcome == "rejected" and not report.ok
    assert [(p.line, p.column) for p in report.errors] == [(5, "運行日")]
    assert await counts(sessionmaker) == {"drivers": 0, "vehicles": 0, "schedule_days": 0, "stops": 0, "load_log": 1}
    async with sessionmaker() as session:
        log = (await session.scalars(select(LoadLog))).one()
    assert (log.outcome, log.error_count, log.rows) == ("rejected", 1, 4)
    assert "line 5, column 運行日: impossible date 2026-02-30" in log.message


async def test_new_version_replaces_the_day_and_keeps_the_old_one(sessionmaker: Sessions, tmp_path: Path) -> None:
    first = await load_schedule(sessionmaker, write_csv(tmp_path / "v1.csv", two_vehicle_day()))
    changed = two_vehicle_day()[:2]
    changed[1]["destination_name"] = "新しい届け先"
    second = await load_schedule(sessionmaker, write_csv(tmp_path / "v2.csv", changed))
    assert (first.summary.version, second.summary.version) == (1, 2)
    async with sessionmaker() as session:
        days = (await session.scalars(select(ScheduleDay).order_by(ScheduleDay.version))).all()
        assert [(d.version, d.is_current) for d in days] == [(1, False), (2, True)]
        old = (await session.scalars(select(Stop.destination_name).where(Stop.schedule_day_id == days[0].id))).all()
        new = (await session.scalars(select(Stop.destination_name).where(Stop.schedule_day_id == days[1].id))).all()
    assert len(old) == 3 and "三田ビル" in old
    assert sorted(new) == ["新しい届け先", "有明物流センター"]
    assert (await counts(sessionmaker))["vehicles"] == 2  # upserted, not duplicated


async def test_other_dates_are_untouched_by_a_load(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "d1.csv", two_vehicle_day("2026-12-01")))
    await load_schedule(sessionmaker, write_csv(tmp_path / "d2.csv", two_vehicle_day("2026-12-02")))
    assert (await current_day(sessionmaker, dt.date(2026, 12, 1))) is not None
    day2 = await current_day(sessionmaker, dt.date(2026, 12, 2))
    assert day2 is not None and day2.version == 1
    assert (await counts(sessionmaker))["drivers"] == 2


async def test_loading_the_same_file_again_changes_nothing_and_says_so(sessionmaker: Sessions,
                                                                        tmp_path: Path) -> None:
    path = write_csv(tmp_path / "day.csv", two_vehicle_day())
    await load_schedule(sessionmaker, path)
    before = await counts(sessionmaker)
    again = await load_schedule(sessionmaker, path)
    assert again.outcome == "unchanged" and again.summary.version == 1
    after = await counts(sessionmaker)
    assert after == {**before, "load_log": before["load_log"] + 1}


async def test_reloading_an_earlier_file_after_a_change_makes_a_new_version(sessionmaker: Sessions,
                                                                           tmp_path: Path) -> None:
    v1 = write_csv(tmp_path / "v1.csv", two_vehicle_day())
    await load_schedule(sessionmaker, v1)
    await load_schedule(sessionmaker, write_csv(tmp_path / "v2.csv", two_vehicle_day()[:1]))
    third = await load_schedule(sessionmaker, v1)
    assert (third.outcome, third.summary.version) == ("loaded", 3)


async def test_dry_run_writes_nothing_at_all(sessionmaker: Sessions, tmp_path: Path) -> None:
    good = await load_schedule(sessionmaker, write_csv(tmp_path / "ok.csv", two_vehicle_day()), dry_run=True)
    bad = await load_schedule(sessionmaker, write_csv(tmp_path / "bad.csv", [stop(stop_seq="0")]), dry_run=True)
    assert good.outcome == "dry_run" and good.summary.stops == 3 and good.summary.readings_rendered > 0
    assert bad.outcome == "rejected" and len(bad.errors) == 1
    assert set((await counts(sessionmaker)).values()) == {0}


async def test_on_loaded_hook_runs_inside_the_transaction(sessionmaker: Sessions, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []

    async def hook(session: AsyncSession, day: ScheduleDay) -> None:
        stops = await session.scalar(select(func.count()).select_from(Stop).where(Stop.schedule_day_id == day.id))
        seen.append((day.version, int(stops or 0)))

    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()), on_loaded=hook)
    assert seen == [(1, 3)]


async def test_failing_hook_rolls_the_whole_load_back(sessionmaker: Sessions, tmp_path: Path) -> None:
    await load_schedule(sessionmaker, write_csv(tmp_path / "v1.csv", two_vehicle_day()))

    async def broken_indexer(session: AsyncSession, day: ScheduleDay) -> None:
        raise RuntimeError("search index unavailable")

    with pytest.raises(RuntimeError):
        await load_schedule(sessionmaker, write_csv(tmp_path / "v2.csv", two_vehicle_day()[:1]),
                            on_loaded=broken_indexer)
    day = await current_day(sessionmaker, dt.date(2026, 12, 1))
    assert day is not None and day.version == 1
    assert (await counts(sessionmaker))["stops"] == 3


async def test_progress_reports_each_phase(sessionmaker: Sessions, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    await load_schedule(sessionmaker, write_csv(tmp_path / "day.csv", two_vehicle_day()),
                        progress=lambda phase, done, total: calls.append((phase, done, total)))
    assert {c[0] for c in calls} == {"validating", "rendering", "writing"}
    assert ("writing", 3, 3) in calls


async def test_cp932_file_loads(sessionmaker: Sessions, tmp_path: Path) -> None:
    report = await load_schedule(sessionmaker, write_csv(tmp_path / "sjis.csv", two_vehicle_day(), encoding="cp932"))
    assert report.outcome == "loaded" and report.summary.stops == 3


async def test_example_csv_and_xlsx_load_cleanly(sessionmaker: Sessions) -> None:
    csv_report = await load_schedule(sessionmaker, EXAMPLE_CSV)
    assert csv_report.errors == [] and csv_report.outcome == "loaded"
    assert csv_report.summary.stops >= 250 and csv_report.summary.vehicles >= 40
    assert csv_report.summary.readings_from_file > 0
    xlsx_report = await load_schedule(sessionmaker, EXAMPLE_XLSX)
    assert xlsx_report.errors == [] and xlsx_report.outcome == "loaded"
    assert xlsx_report.summary.stops == csv_report.summary.stops
    assert xlsx_report.summary.version == 2 and xlsx_report.summary.new_drivers == 0
    async with sessionmaker() as session:
        serials = (await session.scalars(select(Vehicle.plate).where(Vehicle.serial == "1234"))).all()
    assert len(serials) >= 3  # 12-34 on plates of several regions


async def test_broken_example_is_rejected_with_every_problem(sessionmaker: Sessions) -> None:
    report = await load_schedule(sessionmaker, BROKEN_CSV)
    assert report.outcome == "rejected"
    assert [(p.line, p.column) for p in report.errors] == [
        (1, "担当者"), (4, "運行日"), (5, "車番"), (6, "運転者カナ"), (7, "携帯電話"), (8, "順番"),
        (9, "到着開始"), (9, "到着終了"), (10, "到着終了"), (11, "住所"), (12, "順番"), (13, "運転者"),
        (14, "携帯電話"), (15, "運行日"), (18, "運転者"), (18, "届け先"), (19, "運転者カナ"), (19, "順番"),
        (20, "ナンバー"), (20, "到着終了"),
    ]
    assert (await counts(sessionmaker))["stops"] == 0
