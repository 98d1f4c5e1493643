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
