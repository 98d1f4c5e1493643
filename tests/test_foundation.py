"""The foundation: settings validation, migrations on both backends, the CLI's error contract."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ivr.cli import main
from ivr.settings import SettingsError, load_settings
from schedules.models import Base, Driver, LoadLog, ScheduleDay, Stop, Vehicle


def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TURN_MODE", "sometimes")
    monkeypatch.setenv("DATABASE_URL", "mysql://localhost/x")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "TURN_MODE" in str(err.value)
    assert "DATABASE_URL" in str(err.value)


@pytest.mark.parametrize("zone", ["Tokyo", "Asia/Atlantis", "../etc/passwd"])
def test_unknown_timezone_names_the_variable(zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """TIMEZONE decides which day's schedule a call reads: a typo must stop the service at start."""
    monkeypatch.setenv("TIMEZONE", zone)
    with pytest.raises(SettingsError, match=r"TIMEZONE: .*IANA time zone"):
        load_settings(_env_file=None)
    monkeypatch.setenv("TIMEZONE", "Asia/Tokyo")
    assert load_settings(_env_file=None).timezone == "Asia/Tokyo"


def test_settings_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABASE_URL", "AZURE_SEARCH_ENDPOINT", "TURN_MODE", "VAD_PRESET"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings(_env_file=None)
    assert s.database_url.startswith("sqlite+aiosqlite://")
    assert s.azure_search_endpoint is None
    assert s.turn_mode == "barge_in"


def test_settings_accept_loose_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAD_PRESET", "Slow-Speakers")
    monkeypatch.setenv("TURN_MODE", "BARGE-IN")
    s = load_settings(_env_file=None)
    assert s.vad_preset == "slow_speakers"
    assert s.turn_mode == "barge_in"


def test_cli_reports_bad_settings_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "oracle://nope")
    assert main(["db", "upgrade"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


async def test_migrations_create_every_model_table(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {t.name for t in Base.metadata.sorted_tables} <= names
    assert "alembic_version" in names


async def test_foreign_keys_are_enforced(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.add(Stop(schedule_day_id=999, vehicle_id=999, driver_id=999, stop_seq=1, source_line=2,
                         destination_name="x", destination_name_kana="x",
                         destination_address="x", destination_address_kana="x"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_schedule_roundtrip(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        log = LoadLog(file_name="a.csv", checksum="0" * 64, rows=1, outcome="loaded")
        driver = Driver(name="佐藤 健一", name_kana="サトウ ケンイチ", phone="09011110001")
        vehicle = Vehicle(serial="1234", plate="品川 100 あ 12-34")
        session.add_all([log, driver, vehicle])
        await session.flush()
        day = ScheduleDay(date=dt.date(2026, 12, 1), version=1, load_id=log.id, checksum=log.checksum)
        day.stops.append(Stop(vehicle=vehicle, driver=driver, stop_seq=1, source_line=2,
                              destination_name="有明物流センター", destination_name_kana="アリアケブツリュウセンター",
                              destination_address="東京都江東区有明3丁目5番7号",
                              destination_address_kana="トウキョウト コウトウク アリアケ",
                              window_start=dt.time(9, 0), window_end=dt.time(10, 0)))
        session.add(day)
        await session.commit()
    async with sessionmaker() as session:
        stop = (await session.execute(select(Stop))).scalar_one()
        assert stop.window_start == dt.time(9, 0)
        assert (await session.get(Vehicle, stop.vehicle_id)).serial == "1234"  # type: ignore[union-attr]
