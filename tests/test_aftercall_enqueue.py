"""Which finished calls owe an SMS, decided in the finishing transaction from the recorded call."""

from __future__ import annotations

from pathlib import Path

import pytest
from aftercall_support import SATO_CALLER_ID, driver_id, heard_stop, jobs, record_call, served_lines
from guidance_support import load_days
from sqlalchemy import update

from ivr.aftercall.enqueue import AfterCallEnqueuer
from schedules.models import Driver

SMS_ONLY = AfterCallEnqueuer(summaries=False, sms=True)


@pytest.fixture
async def sato(sessionmaker, tmp_path: Path) -> tuple[int, dict[str, str]]:
    await load_days(sessionmaker, tmp_path)
    _, kana = await heard_stop(sessionmaker, "佐藤 健一")
    return await driver_id(sessionmaker, "佐藤 健一"), kana


async def sms_row(sessionmaker, lines, *, driver: int | None, caller: str | None = SATO_CALLER_ID,
                  outcome: str = "served"):
    call_id = await record_call(sessionmaker, "CA1", lines, driver=driver, hook=SMS_ONLY, caller_phone=caller,
                                outcome=outcome)
    return (await jobs(sessionmaker, call_id)).get("sms")


async def test_identified_and_read_with_a_matching_caller_id_queues_the_sms(sessionmaker, sato) -> None:
    row = await sms_row(sessionmaker, served_lines(sato[1]), driver=sato[0])
    assert row is not None and row.state == "pending"


async def test_a_call_handed_over_before_the_stop_was_read_gets_nothing(sessionmaker, sato) -> None:
    handed_over = ("transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"})
    lines = [*served_lines(sato[1])[:6], handed_over]
    assert await sms_row(sessionmaker, lines, driver=sato[0], outcome="transferred") is None


async def test_a_hand_over_after_the_stop_was_read_still_sends_it(sessionmaker, sato) -> None:
    lines = [*served_lines(sato[1]), ("transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"})]
    row = await sms_row(sessionmaker, lines, driver=sato[0], outcome="transferred")
    assert row is not None and row.state == "pending"


async def test_a_call_that_ended_before_identification_or_reading_gets_nothing(sessionmaker, sato) -> None:
    assert await sms_row(sessionmaker, served_lines(sato[1])[:5], driver=sato[0], outcome="hung_up") is None
    assert await sms_row(sessionmaker, served_lines(sato[1])[:2], driver=None, outcome="hung_up") is None


async def test_another_caller_id_gets_nothing_and_the_reason_is_kept(sessionmaker, sato) -> None:
    row = await sms_row(sessionmaker, served_lines(sato[1]), driver=sato[0], caller="+819022220002")
    assert row is not None and (row.state, row.last_error) == ("skipped", "caller_id_mismatch")


async def test_a_withheld_caller_id_gets_nothing(sessionmaker, sato) -> None:
    row = await sms_row(sessionmaker, served_lines(sato[1]), driver=sato[0], caller=None)
    assert row is not None and (row.state, row.last_error) == ("skipped", "no_caller_id")


async def test_a_driver_who_opted_out_gets_nothing(sessionmaker, sato) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(update(Driver).where(Driver.id == sato[0]).values(sms_opt_out=True))
    row = await sms_row(sessionmaker, served_lines(sato[1]), driver=sato[0])
    assert row is not None and (row.state, row.last_error) == ("skipped", "driver_opted_out")


async def test_a_stop_the_schedule_does_not_hold_is_not_sent(sessionmaker, sato) -> None:
    invented = {**sato[1], "address_kana": "ドコカ"}
    row = await sms_row(sessionmaker, served_lines(invented), driver=sato[0])
    assert row is not None and (row.state, row.last_error) == ("skipped", "stop_not_found")


async def test_sms_switched_off_queues_nothing(sessionmaker, sato) -> None:
    call_id = await record_call(sessionmaker, "CA1", served_lines(sato[1]), driver=sato[0],
                                hook=AfterCallEnqueuer(summaries=True, sms=False))
    assert set(await jobs(sessionmaker, call_id)) == {"summary"}
