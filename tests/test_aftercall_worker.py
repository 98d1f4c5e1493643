"""The after-call worker through the real openai and twilio SDKs, against the local stand-ins:
summaries and SMS made, retried with backoff, failed with their reason, finished after a restart."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aftercall_support import (
    SMS_FROM,
    aftercall_config,
    call_row,
    driver_id,
    heard_stop,
    jobs,
    record_call,
    served_lines,
    service_logging,
)
from bridge_support import eventually
from guidance_support import load_days
from sqlalchemy import text, update

from ivr.aftercall import queue, service
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE
from ivr.sim.openai_http_standin import OpenAIHttpStandin
from ivr.sim.twilio_rest_standin import TwilioRestStandin
from schedules.models import Driver


@pytest.fixture
async def openai_standin() -> AsyncIterator[OpenAIHttpStandin]:
    standin = await OpenAIHttpStandin(hang_s=3.0, retry_after_s=0.01).start()
    yield standin
    await standin.close()


@pytest.fixture
async def twilio_standin() -> AsyncIterator[TwilioRestStandin]:
    standin = await TwilioRestStandin(SIM_AUTH_TOKEN).start()
    yield standin
    await standin.close()


@pytest.fixture
async def served_call(sessionmaker, tmp_path: Path):
    """Loads the day and returns a function recording 佐藤's served call with the given after-call hook."""
    await load_days(sessionmaker, tmp_path)
    _, kana = await heard_stop(sessionmaker, "佐藤 健一")
    sato = await driver_id(sessionmaker, "佐藤 健一")

    async def record(after: service.AfterCall, sid: str = "CA1") -> int:
        return await record_call(sessionmaker, sid, served_lines(kana), driver=sato, hook=after.enqueuer)

    return record


@pytest.fixture
async def built(sessionmaker, openai_standin, twilio_standin):
    """Builds the after-call work against the stand-ins; every worker built is closed after the test."""
    made: list[service.AfterCall] = []

    def build(**overrides) -> service.AfterCall:
        config = aftercall_config(openai_standin.url, **overrides)
        made.append(service.build(config, sessionmaker, twilio_api_base=twilio_standin.url, rng=random.Random(3)))
        return made[-1]

    yield build
    for after in made:
        await after.worker.close()


# ----- summaries ---------------------------------------------------------------------------------------
async def test_a_summary_is_written_and_the_model_never_sees_the_phone_or_the_name(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    after = built(sms_enabled=False)
    call_id = await served_call(after)
    await after.worker.drain()
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert row.state == "done" and row.attempts == 1
    first, *rest = row.result_text.splitlines()
    assert first == "発信者: 佐藤 健一（品川 100 あ 12-34）"
    assert rest == ["用件: 次の届け先の確認", "案内: 次の届け先と到着時間を案内", "結果: 案内完了", "未解決: なし"]
    [request] = openai_standin.requests
    assert request.model == "gpt-sim-summary" and request.body["max_completion_tokens"] > 0
    system, user = request.messages
    assert system["role"] == "system" and "4行" in system["content"]  # ivr/prompts/summary.md
    sent = user["content"]
    assert "次の届け先は" in sent and "[電話番号]" in sent
    for private in ("09011110001", "090-1111", "佐藤", "サトウ", "健一", "dtmf", "instruction"):
        assert private not in sent, private
    assert openai_standin.refused == []


async def test_summaries_are_retried_through_rate_limits_errors_and_timeouts(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    after = built(sms_enabled=False, summary_timeout_seconds=0.5)
    openai_standin.fail("429", "500", "timeout")
    call_id = await served_call(after)
    await after.worker.drain()
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert (row.state, row.attempts, row.last_error) == ("done", 4, "")
    assert len(openai_standin.requests) == 1


async def test_a_summary_that_cannot_be_made_is_marked_failed_with_its_reason(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    after = built(sms_enabled=False, aftercall_max_attempts=2)
    openai_standin.fail("503", "500")
    call_id = await served_call(after)
    await after.worker.drain()
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert (row.state, row.attempts, row.last_error) == ("failed", 2, "openai:http_500")


async def test_a_request_the_api_refuses_is_not_retried(sessionmaker, served_call, openai_standin,
                                                        twilio_standin, built) -> None:
    after = built(sms_enabled=False)
    openai_standin.fail("404")
    call_id = await served_call(after)
    await after.worker.drain()
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "openai:http_404:model_not_found")


async def test_summaries_through_azure_openai_use_the_deployment(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    after = built(sms_enabled=False, openai_api_key=None,
                  azure_openai_endpoint=openai_standin.azure_endpoint, azure_openai_api_key="sk-sim",
                  summary_model="summary-deployment")
    call_id = await served_call(after)
    await after.worker.drain()
    assert (await jobs(sessionmaker, call_id))["summary"].state == "done"
    assert openai_standin.requests[0].path == "/openai/deployments/summary-deployment/chat/completions"


async def test_without_a_key_no_summary_is_queued(sessionmaker, served_call, built) -> None:
    after = built(sms_enabled=False, openai_api_key=None)
    call_id = await served_call(after)
    assert not after.enqueuer.summaries and await jobs(sessionmaker, call_id) == {}


async def test_a_silent_call_is_skipped_without_asking_the_model(sessionmaker, openai_standin, built) -> None:
    after = built(sms_enabled=False)
    call_id = await record_call(sessionmaker, "CA1", [], driver=None, hook=after.enqueuer, outcome="hung_up")
    await after.worker.drain()
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert (row.state, row.last_error) == ("skipped", "nothing_said") and openai_standin.requests == []


# ----- SMS -----------------------------------------------------------------------------------------------
async def test_the_sms_goes_to_the_drivers_phone_with_the_stop_as_written(
        sessionmaker, served_call, openai_standin, twilio_standin, caplog, built) -> None:
    caplog.set_level(logging.DEBUG)
    with service_logging("DEBUG"):  # as an operator chasing a bug would run the service
        after = built(summary_model="")
        call_id = await served_call(after)
        await after.worker.drain()
    row = (await jobs(sessionmaker, call_id))["sms"]
    [message] = twilio_standin.messages
    assert (row.state, row.external_id, row.delivery_status) == ("done", message.sid, "queued")
    form = message.form
    assert form["To"] == "+819011110001" and form["From"] == SMS_FROM
    assert form["StatusCallback"] == SIM_PUBLIC_BASE + "/twilio/sms-status"
    body = form["Body"]
    assert "有明物流センター" in body and "東京都江東区有明3丁目5番7号" in body and "09:00〜10:00" in body
    assert "パレット12枚 冷蔵" in body
    assert "https://www.google.com/maps/search/?api=1&query=%E6%9D%B1%E4%BA%AC%E9%83%BD" in body
    assert "アリアケ" not in body
    assert f"call={call_id} kind=sms attempt=1 done" in caplog.text  # the log is there, with the call id
    assert "9011110001" not in caplog.text and "1111-0001" not in caplog.text and "有明" not in caplog.text


async def test_sms_failures_are_retried_and_a_refused_number_fails_without_the_number(
        sessionmaker, served_call, openai_standin, twilio_standin, caplog, built) -> None:
    caplog.set_level(logging.DEBUG)
    with service_logging("DEBUG"):
        after = built(summary_model="")
        twilio_standin.fail_messages((429, 20429), (503, 20503))
        first = await served_call(after, "CA1")
        await after.worker.drain()
        twilio_standin.fail_messages((400, 21211))
        second = await served_call(after, "CA2")
        before = await call_row(sessionmaker, second)
        await after.worker.drain()
    first_row = (await jobs(sessionmaker, first))["sms"]
    assert (first_row.state, first_row.attempts) == ("done", 3)
    row = (await jobs(sessionmaker, second))["sms"]
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "twilio:http_400:21211")
    after_failure = await call_row(sessionmaker, second)  # a failed SMS never touches the call
    assert (after_failure.outcome, after_failure.ended_at, after_failure.metrics) == (
        before.outcome, before.ended_at, before.metrics)
    assert "retried:twilio:http_429:20429" in caplog.text and "9011110001" not in caplog.text
    metrics = after.worker.metrics.registry
    counts = {result: metrics.get_sample_value("ivr_aftercall_jobs_total", {"kind": "sms", "result": result})
              for result in ("done", "retried", "failed", "skipped")}
    assert counts == {"done": 1.0, "retried": 2.0, "failed": 1.0, "skipped": 0.0}


async def test_a_driver_who_opts_out_before_sending_gets_nothing(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    after = built(summary_model="")
    call_id = await served_call(after)
    async with sessionmaker.begin() as session:
        await session.execute(update(Driver).where(Driver.name == "佐藤 健一").values(sms_opt_out=True))
    await after.worker.drain()
    assert (await jobs(sessionmaker, call_id))["sms"].last_error == "driver_opted_out"
    assert twilio_standin.messages == []


async def test_a_phone_changed_since_the_call_gets_nothing(sessionmaker, served_call, openai_standin,
                                                           twilio_standin, built) -> None:
    after = built(summary_model="")
    call_id = await served_call(after)
    async with sessionmaker.begin() as session:
        await session.execute(update(Driver).where(Driver.name == "佐藤 健一").values(phone="09099990000"))
    await after.worker.drain()
    assert (await jobs(sessionmaker, call_id))["sms"].last_error == "phone_changed"
    assert twilio_standin.messages == []


async def test_the_worker_loop_reports_the_shared_queues_depth(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    openai_standin.delay_s = 2.0  # the summary is still being written while the depth is sampled
    after = built(sms_enabled=False)
    await served_call(after, "CA1")
    await served_call(after, "CA2")
    registry = after.worker.metrics.registry

    def depth() -> float | None:
        return registry.get_sample_value("ivr_aftercall_queue_depth", {"kind": "summary"})

    assert depth() == 0.0  # the series exists before the first sample
    after.worker.start()
    try:
        await eventually(lambda: depth() == 2.0, within=5, what="the two unsettled summaries counted")
    finally:
        await after.worker.stop(grace_s=0.1)


# ----- restarts -------------------------------------------------------------------------------------------
async def test_a_stopped_worker_gives_its_jobs_back_and_the_next_one_finishes_them(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    openai_standin.delay_s = 2.0
    first = built(sms_enabled=False)
    call_id = await served_call(first)
    first.worker.start()
    for _ in range(100):
        if (await jobs(sessionmaker, call_id))["summary"].state == "running":
            break
        await asyncio.sleep(0.02)
    await first.worker.stop(grace_s=0.1)
    row = (await jobs(sessionmaker, call_id))["summary"]
    assert (row.state, row.attempts) == ("pending", 0)
    openai_standin.delay_s = 0.0
    second = built(sms_enabled=False)
    await second.worker.drain()
    assert (await jobs(sessionmaker, call_id))["summary"].state == "done"


async def test_jobs_of_a_killed_worker_are_finished_after_its_lease(
        sessionmaker, served_call, openai_standin, twilio_standin, built) -> None:
    after = built()
    call_id = await served_call(after)
    await queue.claim(sessionmaker, limit=10, lease_s=0.2)  # claimed by a process that then died (kill -9)
    assert {r.state for r in (await jobs(sessionmaker, call_id)).values()} == {"running"}
    await asyncio.sleep(0.3)
    await after.worker.drain()
    rows = await jobs(sessionmaker, call_id)
    assert {k: (r.state, r.attempts) for k, r in rows.items()} == {"summary": ("done", 2), "sms": ("done", 2)}
    assert len(twilio_standin.messages) == 1


async def test_the_worker_keeps_going_when_the_database_fails_for_a_while(
        sessionmaker, served_call, openai_standin, twilio_standin, caplog, built) -> None:
    after = built(sms_enabled=False)
    call_id = await served_call(after)
    async with sessionmaker.begin() as session:  # the queue's table is gone: every claim fails
        await session.execute(text("ALTER TABLE aftercall_jobs RENAME TO aftercall_jobs_away"))
    after.worker.start()
    try:
        await eventually(lambda: "could not claim jobs" in caplog.text, within=5, what="a failed claim")
        async with sessionmaker.begin() as session:
            await session.execute(text("ALTER TABLE aftercall_jobs_away RENAME TO aftercall_jobs"))

        async def summarized() -> bool:
            return (await jobs(sessionmaker, call_id))["summary"].state == "done"

        for _ in range(300):
            if await summarized():
                break
            await asyncio.sleep(0.02)
    finally:
        await after.worker.stop()
    assert await summarized()
