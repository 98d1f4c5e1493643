"""The transfer hook through the real twilio SDK against a local stand-in of Twilio's REST API."""

from __future__ import annotations

import pytest

from ivr.bridge.transfer import TwilioCallControl
from ivr.sim.twilio_rest_standin import TwilioRestStandin

ACCOUNT = "AC" + "2" * 32
TOKEN = "rest-token"


@pytest.fixture
async def rest() -> TwilioRestStandin:
    standin = await TwilioRestStandin(TOKEN).start()
    yield standin  # type: ignore[misc]
    await standin.close()


async def test_transfer_updates_the_call_with_a_dial_to_the_dispatcher(rest: TwilioRestStandin) -> None:
    control = TwilioCallControl(ACCOUNT, TOKEN, "+81300001111", api_base_url=rest.url)
    assert await control.transfer("CA" + "9" * 32, "realtime_lost")
    update = rest.updates[0]
    assert (update.account_sid, update.call_sid, update.auth_user) == (ACCOUNT, "CA" + "9" * 32, ACCOUNT)
    assert "<Dial><Number>+81300001111</Number></Dial>" in update.form["Twiml"]
    assert '<Say language="ja-JP">配車係におつなぎします。少々お待ちください。</Say>' in update.form["Twiml"]


async def test_a_transfer_the_bot_already_announced_dials_without_saying_it_again(rest: TwilioRestStandin) -> None:
    control = TwilioCallControl(ACCOUNT, TOKEN, "+81300001111", api_base_url=rest.url)
    assert await control.transfer("CA1", "caller_request", announce=False)
    twiml = rest.updates[0].form["Twiml"]
    assert "<Dial><Number>+81300001111</Number></Dial>" in twiml and "<Say" not in twiml


async def test_hangup_sends_hangup_twiml(rest: TwilioRestStandin) -> None:
    control = TwilioCallControl(ACCOUNT, TOKEN, "+81300001111", api_base_url=rest.url)
    assert await control.hangup("CA1")
    assert "<Hangup />" in rest.updates[0].form["Twiml"]


async def test_rejected_credentials_or_missing_number_report_failure(rest: TwilioRestStandin) -> None:
    assert not await TwilioCallControl(ACCOUNT, "wrong", "+81300001111", api_base_url=rest.url).transfer("CA1", "x")
    assert not await TwilioCallControl(ACCOUNT, TOKEN, None, api_base_url=rest.url).transfer("CA1", "x")
    assert not await TwilioCallControl(None, None, "+81300001111").transfer("CA1", "x")
    assert rest.updates == []


async def test_outside_the_desks_hours_nobody_is_dialled_and_twilio_says_when_it_opens(rest: TwilioRestStandin) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from ivr.opening_hours.desk import DeskHours
    from ivr.opening_hours.timetable import parse_timetable

    sunday = dt.datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    desk = DeskHours(parse_timetable("mon-fri 08:00-19:00"), clock=lambda: sunday)
    control = TwilioCallControl(ACCOUNT, TOKEN, "+81300001111", api_base_url=rest.url, desk=desk)
    assert await control.transfer("CA1", "realtime_session_failed")
    twiml = rest.updates[0].form["Twiml"]
    assert "<Dial" not in twiml and "<Hangup />" in twiml
    assert "ウケツケジカンガイ" in twiml and "アシタノ ゴゼンハチジ" in twiml


async def test_the_dial_carries_the_whisper_url_when_the_public_url_is_known(rest: TwilioRestStandin) -> None:
    control = TwilioCallControl(ACCOUNT, TOKEN, "+81300001111", api_base_url=rest.url,
                                public_base_url="https://ivr.example.test")
    assert await control.transfer("CA42", "caller_request", announce=False)
    assert ('<Number url="https://ivr.example.test/twilio/whisper?call=CA42">+81300001111</Number>'
            in rest.updates[0].form["Twiml"])
