"""After the call, end to end on the stand-ins: a simulated call through the real webhook, media
socket, bridge and tools queues its work as it finishes; the worker writes the summary with the
real openai SDK and sends the SMS with the real twilio SDK; Twilio's signed status callback records
delivery; `ivr calls show` prints the `summary:` and `sms:` lines."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

from aftercall_support import SATO_CALLER_ID, aftercall_settings, jobs
from bridge_support import fast_config
from guidance_support import DAY, load_days
from records_support import finished_call

from ivr.aftercall import service as aftercall
from ivr.cli import main
from ivr.config import AfterCallConfig, GuidanceConfig
from ivr.guidance.factory import build_factory
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, start_service
from ivr.sim.local_site import start_local_site
from ivr.sim.openai_http_standin import OpenAIHttpStandin
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scenarios import play_call, served_with_correction, three_failures
from ivr.sim.twilio_caller import TwilioCaller
from ivr.sim.twilio_rest_standin import TwilioRestStandin
from ivr.web.app import create_app


async def _play(sessionmaker, engine, scenario, openai: OpenAIHttpStandin, twilio: TwilioRestStandin,
                *, caller_id: str = SATO_CALLER_ID) -> tuple[int, aftercall.AfterCall]:
    scenario.speech_scale = 0.35
    realtime = await RealtimeStandin(scenario.script).start()
    settings = aftercall_settings(openai.url, openai_realtime_url=realtime.url)
    after = aftercall.build(AfterCallConfig.from_settings(settings), sessionmaker, twilio_api_base=twilio.url,
                            rng=random.Random(1))
    factory = build_factory(GuidanceConfig.from_settings(settings), sessionmaker, today=lambda: DAY,
                            after_call=after.enqueuer)
    running = await start_service(settings, factory, engine=engine, bridge_config=fast_config())
    caller = TwilioCaller(running.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE,
                          from_number=caller_id)
    try:
        await play_call(caller, scenario, within=15)
        call, _ = await finished_call(sessionmaker, caller.call_sid)
    finally:
        await caller.close()
        await running.close()
        await realtime.close()
    return call.id, after


async def test_a_served_call_gets_its_summary_and_sms_and_calls_show_prints_them(
        sessionmaker, engine, db_url, tmp_path: Path, monkeypatch, capsys) -> None:
    await load_days(sessionmaker, tmp_path)
    openai = await OpenAIHttpStandin().start()
    twilio = await TwilioRestStandin(SIM_AUTH_TOKEN).start()
    try:
        call_id, after = await _play(sessionmaker, engine, served_with_correction(
            "いちにのさんよん", "いちにのさんよん", "さとう けんいち", "駐車場はどこですか"), openai, twilio)
        assert {k: r.state for k, r in (await jobs(sessionmaker, call_id)).items()} == {
            "summary": "pending", "sms": "pending"}
        await after.worker.drain()
        await after.worker.close()
        # Twilio reports delivery to the service's status route, signed over the public URL.
        settings = aftercall_settings(openai.url)
        app = create_app(settings, build_factory(GuidanceConfig.from_settings(settings), sessionmaker),
                         engine=engine)
        aftercall.install(app, after)
        runner, port = await start_local_site(app)
        try:
            twilio.callback_host = f"127.0.0.1:{port}"
            [message] = twilio.messages
            assert await twilio.report(message.sid, "sent") == 204
            assert await twilio.report(message.sid, "delivered") == 204
            assert await twilio.report(message.sid, "sent") == 204  # late and out of order: ignored
        finally:
            await runner.cleanup()
    finally:
        await openai.close()
        await twilio.close()
    rows = await jobs(sessionmaker, call_id)
    assert rows["summary"].state == "done" and rows["sms"].delivery_status == "delivered"
    assert message.form["To"] == SATO_CALLER_ID and "有明物流センター" in message.form["Body"]
    sent = openai.requests[0].messages[1]["content"]
    assert "ボット: " in sent and "運転者: " in sent and "サトウ" not in sent

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await asyncio.to_thread(main, ["calls", "show", str(call_id)]) == 0
    out = capsys.readouterr().out
    summary_line = next(line for line in out.splitlines() if line.startswith("summary: "))
    assert summary_line.startswith("summary: 発信者: 佐藤 健一（品川 100 あ 12-34） / 用件: ")
    assert f"sms: delivered ({message.sid})" in out.splitlines()
    assert await asyncio.to_thread(main, ["calls", "show", str(call_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"]["state"] == "done" and shown["summary"]["text"].startswith("発信者: 佐藤 健一")
    assert shown["sms"]["delivery_status"] == "delivered" and shown["sms"]["message_sid"] == message.sid
    assert "+81" not in json.dumps(shown["sms"])


async def test_a_call_handed_over_before_the_stop_was_read_gets_a_summary_but_no_sms(
        sessionmaker, engine, db_url, tmp_path: Path, monkeypatch, capsys) -> None:
    await load_days(sessionmaker, tmp_path)
    openai = await OpenAIHttpStandin().start()
    twilio = await TwilioRestStandin(SIM_AUTH_TOKEN).start()
    try:
        call_id, after = await _play(sessionmaker, engine, three_failures(
            [("きゅうきゅうのきゅうきゅう", "やまだ"), ("きゅうきゅうのきゅうきゅう", "やまだ"),
             ("きゅうきゅうのきゅうきゅう", "やまだ")]), openai, twilio)
        await after.worker.drain()
        await after.worker.close()
    finally:
        await openai.close()
        await twilio.close()
    rows = await jobs(sessionmaker, call_id)
    assert set(rows) == {"summary"} and rows["summary"].state == "done" and twilio.messages == []
    assert rows["summary"].result_text.startswith("発信者: 運転者は確認できず")
    assert "[配車係へ転送: lookup_failed" in openai.requests[0].messages[1]["content"]
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await asyncio.to_thread(main, ["calls", "show", str(call_id)]) == 0
    assert "sms: -" in capsys.readouterr().out.splitlines()
