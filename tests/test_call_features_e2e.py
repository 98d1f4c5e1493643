"""Keypad entry, the warm hand-over's whisper and the desk's opening hours, end to end on the
stand-ins: the real webhook, media socket, bridge, tools and lookup, the Realtime stand-in as the
model, the Twilio caller simulator as the driver (its keypad is Twilio's `dtmf` events), and the
REST stand-in recording the call update the hand-over makes through the twilio SDK."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
from bridge_support import fast_config
from guidance_support import DAY, load_days
from prometheus_client import CollectorRegistry
from records_support import finished_call

from ivr.config import GuidanceConfig
from ivr.guidance.factory import build_factory
from ivr.opening_hours.desk import DeskHours
from ivr.opening_hours.timetable import parse_timetable
from ivr.records.models import CallEventRecord, CallRecord
from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE, RunningService, sim_settings, start_service
from ivr.sim.realtime_standin import RealtimeStandin
from ivr.sim.scenarios import Scenario, asks_for_person, keypad_after_misheard, play_call, verify_by_keypad
from ivr.sim.twilio_caller import TwilioCaller

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class Played:
    call: CallRecord
    events: list[CallEventRecord]
    service: RunningService
    standin: RealtimeStandin
    caller: TwilioCaller

    def results(self, tool: str) -> list[dict[str, Any]]:
        return [e.data["output"] for e in self.events if e.kind == "tool_result" and e.text == tool]

    def received(self, tool: str) -> list[dict[str, Any]]:
        """The `function_call_output`s the stand-in model received for `tool`, in order."""
        out: list[dict[str, Any]] = []
        for session in self.standin.sessions:
            names = {i.get("call_id"): i.get("name") for i in session.items.values()
                     if i.get("type") == "function_call"}
            for event in session.of_type("conversation.item.create"):
                item = event.get("item") or {}
                if item.get("type") == "function_call_output" and names.get(item.get("call_id")) == tool:
                    out.append(json.loads(item["output"]))
        return out


@asynccontextmanager
async def running(sessionmaker, engine, scenario: Scenario, desk: DeskHours | None = None,
                  registry: CollectorRegistry | None = None) -> AsyncIterator[tuple[RealtimeStandin, RunningService]]:
    scenario.speech_scale = 0.35
    standin = await RealtimeStandin(scenario.script).start()
    settings = sim_settings(standin.url)
    factory = build_factory(GuidanceConfig.from_settings(settings), sessionmaker, today=lambda: DAY, desk=desk,
                            registry=registry)
    service = await start_service(settings, factory, engine=engine, bridge_config=fast_config(), registry=registry)
    try:
        yield standin, service
    finally:
        await service.close()
        await standin.close()


async def play(sessionmaker, engine, scenario: Scenario, *, desk: DeskHours | None = None,
               after: Any = None, registry: CollectorRegistry | None = None) -> Played:
    async with running(sessionmaker, engine, scenario, desk, registry) as (standin, service):
        caller = TwilioCaller(service.url, auth_token=SIM_AUTH_TOKEN, public_base_url=SIM_PUBLIC_BASE)
        try:
            await play_call(caller, scenario, within=15)
        finally:
            await caller.close()
        call, events = await finished_call(sessionmaker, caller.call_sid)
        played = Played(call, events, service, standin, caller)
        if after is not None:
            await after(played)
        return played


def desk_at(moment: dt.datetime, hours: str = "mon-fri 08:00-19:00") -> DeskHours:
    return DeskHours(parse_timetable(hours), tz=TOKYO, clock=lambda: moment)


# ----- keypad --------------------------------------------------------------------------------------

async def test_a_misheard_number_typed_on_the_keypad_is_matched_and_the_next_stop_read(
        sessionmaker, engine, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    played = await play(sessionmaker, engine, keypad_after_misheard("いちにのさんご", "佐藤 健一", "1234#"))
    assert played.call.outcome == "served"
    spoken, typed = played.results("lookup_driver")
    # The spoken number was misheard; that first failed lookup offers the keypad.
    assert spoken["status"] == "not_found" and "プッシュボタンでも入力できます" in spoken["instruction"]
    # The typed number went through the same strict lookup, with the name the driver had said.
    assert typed["status"] == "matched" and typed["source"] == "keypad"
    assert typed["driver_name_kana"] == "サトウ ケンイチ"
    # The model learnt it on the tool-result path: a function call and its output in its conversation.
    assert [o["status"] for o in played.received("lookup_driver")] == ["not_found", "matched"]
    assert played.results("get_next_stop")[0]["status"] == "found"
    assert played.received("get_next_stop")[0]["stop"]["destination_name_kana"]
    calls = [e for e in played.events if e.kind == "tool_call" and e.text == "lookup_driver"]
    assert json.loads(calls[1].data["arguments"]) == {"vehicle_number": "1234", "driver_name": "佐藤 健一"}
    # The keys were recorded as keys, never as the caller's speech, and cut nothing off.
    assert [e.data["digit"] for e in played.events if e.kind == "system" and e.text == "dtmf"] == list("1234#")
    assert len([e for e in played.events if e.kind == "caller"]) == 3  # number, name, goodbye
    assert not [e for e in played.events if e.kind == "interruption"]
    session = played.standin.sessions[0]
    assert not session.of_type("response.cancel") and not session.errors_sent
    assert not played.caller.protocol_errors


async def test_the_phone_digits_typed_while_a_confirm_awaits_them_verify_the_driver(
        sessionmaker, engine, tmp_path: Path) -> None:
    """1234 and part of a surname: a confirm. Asked for the phone's last four, the driver types
    0001 (佐藤 健一's phone on file ends 0001): checked as verify_driver, never as a vehicle number."""
    await load_days(sessionmaker, tmp_path)
    registry = CollectorRegistry()
    played = await play(sessionmaker, engine, verify_by_keypad("いちにのさんよん", "さと", "0001#"), registry=registry)
    assert [r["status"] for r in played.results("lookup_driver")] == ["confirm"]  # only the spoken one
    (verify,) = played.results("verify_driver")
    assert verify["status"] == "verified" and verify["source"] == "keypad"
    calls = [e for e in played.events if e.kind == "tool_call" and e.text == "verify_driver"]
    assert json.loads(calls[0].data["arguments"]) == {"phone_last4": "0001"} and calls[0].data["source"] == "keypad"
    # The model learnt it on the tool-result path, as verify_driver, then read the next stop.
    assert [o["status"] for o in played.received("verify_driver")] == ["verified"]
    assert played.received("get_next_stop")[0]["status"] == "found"
    assert played.call.outcome == "served" and played.call.driver_id is not None
    assert [e.data["digit"] for e in played.events if e.kind == "system" and e.text == "dtmf"] == list("0001#")
    # Counted for /metrics by what came of it.
    assert registry.get_sample_value("ivr_keypad_entries_total", {"result": "verified"}) == 1
    assert registry.get_sample_value("ivr_keypad_entries_total", {"result": "matched"}) is None


async def test_wrong_phone_digits_typed_are_not_verified_and_count_as_an_attempt(
        sessionmaker, engine, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    registry = CollectorRegistry()
    played = await play(sessionmaker, engine, verify_by_keypad("いちにのさんよん", "さと", "9999#"), registry=registry)
    (looked_up,) = played.results("lookup_driver")
    (verify,) = played.results("verify_driver")
    assert looked_up["status"] == "confirm" and looked_up["attempts_left"] == 2
    assert verify["status"] == "not_verified" and verify["attempts_left"] == 1 and verify["source"] == "keypad"
    assert [o["status"] for o in played.received("verify_driver")] == ["not_verified"]
    assert played.received("get_next_stop") == []
    assert played.call.driver_id is None and played.call.outcome != "served"
    assert played.call.lookup_failures == 2  # the confirm and the wrong digits, as with spoken ones
    assert registry.get_sample_value("ivr_keypad_entries_total", {"result": "not_verified"}) == 1


async def test_a_number_typed_before_the_name_asks_for_the_name_without_a_lookup(
        sessionmaker, engine, tmp_path: Path) -> None:
    from ivr.sim.realtime_standin import Reply, ScriptedToolCall
    from ivr.sim.scenarios import COMMON_AFTER_TOOL, Turn, lookup, say

    await load_days(sessionmaker, tmp_path)
    # The last reply ends the call: without end_call it ended only on the idle timer, which raced
    # play()'s own wait and failed the test on a busy machine.
    scenario = Scenario(
        name="keypad_first",
        turns=[Turn("（1234#）", keys="1234#"), Turn("佐藤 健一です"), Turn("以上です")],
        replies=[lookup("1234", "佐藤 健一"), Reply([say("ありがとうございました。"), ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
    )
    scenario.after_tool["get_next_stop"] = lambda out: Reply([say("次の届け先です。")])
    played = await play(sessionmaker, engine, scenario)
    first, second = played.results("lookup_driver")[:2]
    assert first == {"status": "name_needed", "source": "keypad", "instruction": first["instruction"]}
    assert "お名前" in first["instruction"]
    assert second["status"] == "matched"
    assert played.call.lookup_failures == 0  # asking for the name was no attempt


# ----- the warm hand-over --------------------------------------------------------------------------

async def test_a_driver_who_asks_for_a_person_is_dialled_with_a_signed_whisper(
        sessionmaker, engine, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    whisper: dict[str, Any] = {}

    async def fetch(played: Played) -> None:
        rest = played.service.twilio_rest
        assert len(rest.updates) == 1
        twiml = ET.fromstring(rest.updates[0].form["Twiml"])
        number = twiml.find("./Dial/Number")
        assert number is not None and number.text == "+81312345678"
        url = number.get("url") or ""
        parts = urlsplit(url)
        assert url.startswith(SIM_PUBLIC_BASE + "/twilio/whisper?call=") and played.caller.call_sid in parts.query
        local = played.service.url + parts.path + "?" + parts.query
        form = {"CallSid": "CA" + "9" * 32, "AccountSid": played.caller.account_sid}
        async with aiohttp.ClientSession() as http:
            good = played.caller.sign(url, form)
            async with http.post(local, data=form, headers=good) as resp:
                whisper["status"], whisper["body"] = resp.status, await resp.text()
            async with http.post(local, data=form) as resp:
                whisper["unsigned"] = (resp.status, await resp.text())
            wrong = {k: v[:-4] + "AAA=" for k, v in good.items()}
            async with http.post(local, data=form, headers=wrong) as resp:
                whisper["wrong"] = (resp.status, await resp.text())
            other = url.replace(played.caller.call_sid, "CA" + "8" * 32)  # signed right, but another call
            async with http.post(local.replace(played.caller.call_sid, "CA" + "8" * 32), data=form,
                                 headers=played.caller.sign(other, form)) as resp:
                whisper["other"] = (resp.status, await resp.text())

    scenario = asks_for_person("いちにのさんよん", "佐藤 健一", "明日の荷物は増えますか")
    played = await play(sessionmaker, engine, scenario, after=fetch)
    assert played.call.outcome == "transferred"
    assert whisper["status"] == 200
    say = ET.fromstring(whisper["body"]).find("./Say")
    assert say is not None and say.get("language") == "ja-JP"
    text = say.text or ""
    assert "サトウ ケンイチ" in text and "イチ ニー サン ヨン" in text  # who, and the vehicle
    assert "配車係との通話を希望" in text  # why
    assert "明日の荷物は増えますか" in text  # what the driver last asked (not the request for a person)
    for refused in (whisper["unsigned"], whisper["wrong"]):
        assert refused[0] == 403 and "サトウ" not in refused[1] and "明日" not in refused[1]
    assert whisper["other"][0] == 200 and ET.fromstring(whisper["other"][1]).find("./Say") is None


# ----- opening hours -------------------------------------------------------------------------------

async def test_outside_desk_hours_no_transfer_is_attempted_and_the_call_is_flagged(
        sessionmaker, engine, tmp_path: Path) -> None:
    await load_days(sessionmaker, tmp_path)
    saturday_night = dt.datetime(2026, 12, 5, 21, 0, tzinfo=TOKYO)  # opens Monday 08:00
    scenario = asks_for_person("いちにのさんよん", "佐藤 健一", "明日の荷物は増えますか")
    played = await play(sessionmaker, engine, scenario, desk=desk_at(saturday_night))
    # The only call update is the hang-up after the goodbye: no <Dial>.
    assert all("<Dial" not in u.form.get("Twiml", "") for u in played.service.twilio_rest.updates)
    assert not [e for e in played.events if e.kind == "transfer"]
    assert played.call.outcome != "transferred"
    assert played.call.follow_up_reason == "after_hours"
    # The model was told, beside the conversation, to say when the desk opens.
    notices = [e["item"]["content"][0]["text"] for e in played.standin.sessions[0].of_type("conversation.item.create")
               if (e.get("item") or {}).get("role") == "system"]
    assert len(notices) == 1 and "ウケツケジカンガイ" in notices[0]
    assert "ゴゼンハチジ" in notices[0] and "ナノカ" in notices[0], notices  # Monday the 7th, 08:00
    # The bot said it (the stand-in, like a model, reads the quoted line), and the call went on to its goodbye.
    assert any("ゴゼンハチジ" in line for line in (e.text for e in played.events if e.kind == "bot"))
    assert played.results("end_call")



async def test_a_noisy_line_offers_the_keypad_once(sessionmaker, engine, tmp_path: Path) -> None:
    from ivr.sim.realtime_standin import Reply, ScriptedToolCall
    from ivr.sim.scenarios import COMMON_AFTER_TOOL, Turn, say

    await load_days(sessionmaker, tmp_path)
    again = Reply([say("恐れ入ります、もう一度お願いします。")])
    scenario = Scenario(
        name="noisy",
        turns=[Turn(""), Turn("…"), Turn(""), Turn("以上です")],  # what the recognizer makes of cab noise
        replies=[again, again, again, Reply([ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
    )
    played = await play(sessionmaker, engine, scenario)
    notices = [e["item"]["content"][0]["text"] for e in played.standin.sessions[0].of_type("conversation.item.create")
               if (e.get("item") or {}).get("role") == "system"]
    assert len(notices) == 1 and "プッシュボタンでも入力できます" in notices[0]
    assert any("プッシュボタンでも入力できます" in e.text for e in played.events if e.kind == "bot")
