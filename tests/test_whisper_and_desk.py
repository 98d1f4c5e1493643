"""The whisper's words (ivr/prompts/whisper.md) and the desk check that replaces a transfer out of hours."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from ivr.conversation import ToolOutcome
from ivr.guidance.desk_hours import DeskCheck
from ivr.opening_hours.desk import DeskHours
from ivr.opening_hours.timetable import parse_timetable
from ivr.prompts.store import PromptStore
from ivr.telephony.twiml import dial
from ivr.telephony.whisper_twiml import WhisperFacts, whisper_text, whisper_twiml, whisper_url

TOKYO = ZoneInfo("Asia/Tokyo")


def test_the_whisper_names_the_driver_vehicle_reason_and_last_request() -> None:
    text = whisper_text(WhisperFacts("サトウ ケンイチ", "イチ ニー サン ヨン", "lookup_failed", "明日の予定は"))
    assert "サトウ ケンイチ" in text and "イチ ニー サン ヨン" in text
    assert "本人確認が三回できませんでした" in text and "明日の予定は" in text


def test_an_unidentified_caller_an_unknown_reason_and_nothing_asked_still_make_a_whisper() -> None:
    text = whisper_text(WhisperFacts(reason="something_new"))
    assert "確認できていません" in text and "自動案内から引き継ぎました" in text and "伺っていません" in text
    assert "{" not in text


def test_the_whisper_twiml_is_a_japanese_say_and_the_dial_carries_its_signed_url() -> None:
    say = ET.fromstring(whisper_twiml("テスト")).find("./Say")
    assert say is not None and say.get("language") == "ja-JP" and say.text == "テスト"
    url = whisper_url("https://ivr.example.test/", "CA12&x")
    assert url == "https://ivr.example.test/twilio/whisper?call=CA12%26x"
    number = ET.fromstring(dial("+81300000000", whisper_url=url)).find("./Dial/Number")
    assert number is not None and number.get("url") == url and number.text == "+81300000000"
    assert ET.fromstring(dial("+81300000000")).find("./Dial/Number").get("url") is None  # type: ignore[union-attr]


def _desk(moment: dt.datetime) -> DeskHours:
    return DeskHours(parse_timetable("mon-fri 08:00-19:00"), tz=TOKYO, clock=lambda: moment)


def test_a_transfer_out_of_hours_becomes_the_closed_line() -> None:
    prompts = PromptStore().snapshot()
    closed = DeskCheck(_desk(dt.datetime(2026, 12, 7, 7, 0, tzinfo=TOKYO)), prompts)  # Monday 07:00
    line = closed.closed_instruction()
    assert line is not None and "キョウノ ゴゼンハチジ" in line and "{closed_line}" not in line
    asked = closed.closed_outcome(ToolOutcome(output={"status": "transferring"}, action="transfer",
                                              reason="caller_request"))
    assert asked is not None and asked.action == "none" and asked.output["desk"] == "closed"
    failed = closed.closed_outcome(ToolOutcome(output={"status": "not_found", "handoff": True}, action="transfer",
                                               reason="lookup_failed"))
    assert failed is not None and failed.action == "hangup" and "handoff" not in failed.output
    open_desk = DeskCheck(_desk(dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO)), prompts)
    assert open_desk.closed_instruction() is None
    assert DeskCheck(None, prompts).closed_instruction() is None  # no timetable: always open
