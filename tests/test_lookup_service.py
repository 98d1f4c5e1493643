"""The lookup on a real database (PostgreSQL and SQLite), with the shipped trap roster loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lookup.call_lookup import CallLookup
from lookup.service import lookup_driver
from schedules.loader import load_schedule
from schedules.models import ScheduleDay

ROSTER = Path(__file__).parent / "cases" / "lookup_roster.csv"
DAY = dt.date(2026, 12, 1)


async def _load(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    report = await load_schedule(sessionmaker, ROSTER)
    assert report.ok, report.errors


async def test_traps_of_the_roster_get_the_right_status(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _load(sessionmaker)
    expected = [
        ("いちにのさんよん", "サトウ", None, "matched", "佐藤 健一"),
        ("12-34", "斉藤", None, "matched", "斎藤 健一"),
        ("5678", "オオタ", None, "ambiguous", None),
        ("5678", "オオタ", "+81 90-2222-0001", "matched", "太田 裕樹"),
        ("八王子 5678", "オオタ ユウキ", None, "matched", "大田 優希"),
        ("3333", "オノ", None, "matched", "小野 翔太"),
        ("4444", "オノ", None, "confirm", "大野 誠"),
        ("8080", "サイトウ", None, "ambiguous", None),
        ("2020", "渡邊", None, "ambiguous", None),
        ("1111", "高橋", None, "matched", "髙橋 誠"),
        ("・123", "山崎", None, "matched", "山﨑 大輝"),
        ("・・12", "すずきみずき", None, "matched", "鈴木 美月"),
        ("1234", "田中", "090-1111-0001", "not_found", None),
        ("よろしく", "コバヤシ", None, "invalid", None),
    ]
    async with sessionmaker() as session:
        for vehicle, name, phone, status, driver in expected:
            r = await lookup_driver(session, date=DAY, vehicle_text=vehicle, name_text=name, caller_phone=phone)
            assert (r.status, r.driver.name if r.driver else None) == (status, driver), (vehicle, name, phone)


async def test_other_dates_and_replaced_versions_are_not_searched(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    async with sessionmaker() as session:
        next_day = DAY + dt.timedelta(days=1)
        other_day = await lookup_driver(session, date=next_day, vehicle_text="1234", name_text="サトウ")
        assert other_day.status == "not_found"
        await session.execute(update(ScheduleDay).values(is_current=False))
        await session.commit()
        stale = await lookup_driver(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        assert stale.status == "not_found"


async def test_three_failures_hand_the_call_to_a_dispatcher(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _load(sessionmaker)
    call = CallLookup()
    async with sessionmaker() as session:
        first = await call.lookup(session, date=DAY, vehicle_text="9999", name_text="サトウ")
        second = await call.lookup(session, date=DAY, vehicle_text="よろしく", name_text="サトウ")
        assert not first.handoff and not second.handoff and call.failures == 2
        third = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="ヤマダ")
        assert third.handoff and "配車" in third.instruction and third.to_tool_output()["handoff"] is True
        # Even a correct number and name is refused now: nobody can go on trying numbers.
        later = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        assert later.handoff and later.driver is None


async def test_success_does_not_count_and_denied_read_back_does(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    call = CallLookup(caller_phone="09033330003")
    async with sessionmaker() as session:
        ok = await call.lookup(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        assert ok.status == "matched" and call.failures == 0
        maybe = await call.lookup(session, date=DAY, vehicle_text="4444", name_text="オノ")
        assert maybe.status == "confirm" and call.failures == 0
    assert call.read_back_denied() is None and call.failures == 1


async def test_tool_output_of_a_real_lookup_holds_only_the_callers_kana(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _load(sessionmaker)
    async with sessionmaker() as session:
        r = await lookup_driver(session, date=DAY, vehicle_text="5678", name_text="オオタ")
        assert len(r.candidates) == 2
        assert set(r.to_tool_output()) == {"status", "digits", "name_key", "instruction"}
        m = await lookup_driver(session, date=DAY, vehicle_text="1234", name_text="サトウ")
        out = m.to_tool_output()
        assert out["driver"] == {"name_kana": "サトウ ケンイチ"} and "斎藤" not in str(out)
