"""End to end: the real app, the real openai SDK and real sockets on 127.0.0.1, against stand-ins."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from bridge_support import eventually, fast_config, rig

from ivr.sim.realtime_standin import Reply, Say, Script
from ivr.sim.twilio_caller import CONNECTED, TwilioCaller
from ivr.web.state import STATE


def long_answer_script(**kw: object) -> Script:
    return Script(
        greeting=Say("お電話ありがとうございます。", ms=400),
        replies=[Reply([Say("次の届け先は有明物流センター、東京都江東区有明三丁目……", ms=4000)]),
                 Reply([Say("失礼しました。どうぞ。", ms=500)])],
        caller_says=["いちにのさんよん、佐藤です", *kw.pop("caller_says", [])],  # type: ignore[list-item]
        pace=0.09,  # a little faster than real time, so the answer is still streaming when cut off
        **kw,  # type: ignore[arg-type]
    )


async def test_greeting_plays_on_start_with_pcmu_and_bridge_owned_turns(tmp_path: Path) -> None:
    async with rig(tmp_path, long_answer_script) as r:
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received >= 400 * 8, what="greeting audio")
        session = (await r.standin.wait_sessions(1))[0]
        update = session.of_type("session.update")[0]["session"]
        assert update["audio"]["input"]["format"] == {"type": "audio/pcmu"}
        assert update["audio"]["output"]["format"] == {"type": "audio/pcmu"}
        td = update["audio"]["input"]["turn_detection"]
        assert td["interrupt_response"] is False and td["create_response"] is False
        assert session.types().index("session.update") < session.types().index("response.create")
        await caller.hangup()
        await eventually(lambda: session.closed.is_set(), what="Realtime socket closed after hang-up")
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="conversation finished")
        assert conv.finish_count == 1


async def _to_long_answer(r, caller):  # type: ignore[no-untyped-def]
    """Greeting, the caller's first utterance, and the start of the 4 s answer."""
    await eventually(lambda: caller.playout.bytes_received >= 400 * 8, what="greeting audio")
    await eventually(lambda: not caller.playout.playing and not caller.playout.marks, what="greeting played")
    await caller.speak(600)
    await eventually(lambda: caller.playout.bytes_received >= (400 + 800) * 8, what="long answer audio")
    return r.standin.sessions[0]


async def test_aizuchi_during_a_long_answer_does_not_cut_it_and_iie_does(tmp_path: Path) -> None:
    script = lambda: long_answer_script(caller_says=["はい", "いいえ、違います"])  # noqa: E731
    async with rig(tmp_path, script) as r:
        caller = await r.call()
        session = await _to_long_answer(r, caller)
        answer_item = [i for i in session.items.values() if i.get("role") == "assistant"][-1]["id"]
        await caller.silence(600)
        await caller.speak(300)  # 「はい」 over the bot
        aizuchi_item = await eventually(lambda: [e["item_id"] for e in session.of_type("conversation.item.delete")],
                                        what="the 相槌's item deleted")
        assert aizuchi_item[0] != answer_item
        marks_before = len(caller.playout.played_marks)
        await caller.silence(400)
        assert caller.playout.clears == 0, "a 相槌 must not clear the bot's audio"
        assert "response.cancel" not in session.types()
        assert len(caller.playout.played_marks) > marks_before, "playback went on after the 相槌"
        assert caller.playout.playing
        creates_before = session.types().count("response.create")

        await caller.speak(500)  # 「いいえ、違います」
        truncate = await eventually(lambda: session.of_type("conversation.item.truncate"), what="truncate")
        assert caller.playout.clears == 1
        types = session.types()
        assert types.index("response.cancel") < types.index("conversation.item.truncate")
        await eventually(lambda: session.types().count("response.create") == creates_before + 1, what="the answer")
        assert session.types().index("conversation.item.truncate") < len(session.types()) - 1
        # The heard position comes from the echoed marks: what had played when Twilio got `clear`.
        heard = caller.playout.played_ms_at_clear[0] - 400  # minus the 400 ms greeting before the answer
        assert truncate[0]["item_id"] == answer_item
        assert 0 < truncate[0]["audio_end_ms"] <= 4000
        assert heard - 250 <= truncate[0]["audio_end_ms"] <= heard
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.texts("interruption"), what="interruption recorded")
        assert conv.texts("aizuchi_ignored") == ["はい"]
        await caller.hangup()


async def test_turn_mode_does_not_act_on_speech_while_the_bot_plays(tmp_path: Path) -> None:
    script = lambda: long_answer_script(caller_says=["いいえ、違います", "もしもし"])  # noqa: E731
    async with rig(tmp_path, script, config=fast_config("turn")) as r:
        caller = await r.call()
        session = await _to_long_answer(r, caller)
        creates = session.types().count("response.create")
        await caller.speak(1500)  # long and meaningful, but the bot still holds the turn
        await eventually(lambda: session.of_type("conversation.item.delete"), what="overlapping speech dropped")
        assert caller.playout.clears == 0 and "response.cancel" not in session.types()
        assert session.types().count("response.create") == creates
        await eventually(lambda: not caller.playout.playing and not caller.playout.marks, within=8, what="answer end")
        await caller.speak(400)  # the turn has passed: now it is answered
        await eventually(lambda: session.types().count("response.create") == creates + 1, what="answer")
        assert "conversation.item.truncate" not in session.types()
        await caller.hangup()


async def test_hanging_up_closes_the_realtime_socket_and_finishes_once(tmp_path: Path) -> None:
    async with rig(tmp_path, long_answer_script) as r:
        caller = await r.call()
        session = (await r.standin.wait_sessions(1))[0]
        await eventually(lambda: caller.playout.bytes_received > 0, what="greeting")
        await caller.hangup()
        await eventually(lambda: session.closed.is_set(), what="Realtime socket closed")
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="finish")
        await eventually(lambda: not r.service.app[STATE].bridges, what="bridge released")
        assert conv.finish_count == 1


async def test_realtime_opens_only_after_start_brings_a_good_token(tmp_path: Path) -> None:
    """A copy of the upgrade signature alone opens no billed Realtime session (issue 13, finding 4)."""
    async with rig(tmp_path, long_answer_script) as r:
        caller = r.caller()
        assert (await caller.dial()).status == 200
        await caller.open_socket()
        await caller.send(CONNECTED)
        await asyncio.sleep(0.5)
        assert r.standin.connections_attempted == 0  # upgraded and `connected`: still nothing opened
        await caller.send(caller.start_event())
        sessions = await r.standin.wait_sessions(1)
        await eventually(lambda: sessions[0].of_type("session.update"), what="session.update")
        await caller.hangup()


async def test_bad_signatures_are_refused_on_webhook_and_socket(tmp_path: Path) -> None:
    async with rig(tmp_path, long_answer_script) as r:
        caller = r.caller()
        assert (await caller.dial(signature="bm90IGEgc2lnbmF0dXJl")).status == 403
        unsigned = await (await caller._client()).post(r.service.url + "/twilio/voice", data=caller.webhook_params())
        assert unsigned.status == 403
        other = r.caller(auth_token="wrong-token")
        assert (await other.dial()).status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await caller.open_socket(signature="bm90IGEgc2lnbmF0dXJl")
        assert refused.value.status == 403
        assert r.standin.connections_attempted == 0  # nothing reached the model
        await caller.close()
        await other.close()


async def test_sha256_signed_webhooks_are_accepted(tmp_path: Path) -> None:
    key = "shared-key-secret-for-sha256"
    async with rig(tmp_path, long_answer_script, twilio_signature_algorithm="sha256",
                   twilio_webhook_signing_key=key) as r:
        caller = r.caller(algorithm="HMAC_SHA256", signing_key=key)
        assert (await caller.dial()).status == 200
        wrong = r.caller(algorithm="HMAC_SHA256", signing_key="not-the-key")
        assert (await wrong.dial()).status == 403
        await caller.close()
        await wrong.close()


async def test_stream_token_is_one_use_and_bound_to_the_call(tmp_path: Path) -> None:
    async with rig(tmp_path, long_answer_script) as r:
        first = await r.call()
        await eventually(lambda: first.playout.bytes_received > 0, what="greeting")
        replay = r.caller(call_sid=first.call_sid)
        replay.parameters = dict(first.parameters)  # the same token, a second time
        await replay.connect()
        await replay.wait_closed()
        stranger = r.caller()
        stranger.parameters = dict(first.parameters)  # a token issued for another CallSid
        await stranger.connect()
        await stranger.wait_closed()
        assert replay.playout.bytes_received == 0 and stranger.playout.bytes_received == 0
        metrics = r.service.app[STATE].metrics
        assert metrics.calls_rejected.labels("token_reused")._value.get() == 1
        assert metrics.calls_rejected.labels("bad_token")._value.get() == 1
        await first.hangup()


async def test_fifty_concurrent_calls_through_one_process(tmp_path: Path) -> None:
    script = lambda: Script(  # noqa: E731
        greeting=Say("お電話ありがとうございます。", ms=300),
        replies=[Reply([Say("承知しました。", ms=300)])],
        caller_says=["いちにのさんよん"],
    )
    async with rig(tmp_path, script, max_concurrent_calls=60) as r:

        async def one_call() -> TwilioCaller:
            caller = await r.call()
            await eventually(lambda: caller.playout.bytes_received >= 300 * 8, within=20, what="greeting")
            await caller.silence(300)
            await caller.speak(400)
            await eventually(lambda: caller.playout.bytes_received >= 600 * 8, within=20, what="answer")
            await caller.hangup()
            return caller

        callers = await asyncio.gather(*(one_call() for _ in range(50)))
        assert len({c.call_sid for c in callers}) == 50
        await eventually(lambda: all(s.closed.is_set() for s in r.standin.sessions), within=10, what="all closed")
        assert len(r.standin.sessions) == 50
        assert all(s.of_type("session.update") for s in r.standin.sessions)
        await eventually(lambda: all(c.finished.is_set() for c in r.factory.calls.values()), what="all finished")
        assert all(c.texts("caller") == ["いちにのさんよん"] for c in r.factory.calls.values())


async def test_dropped_realtime_is_retried_once_then_the_caller_is_transferred(tmp_path: Path) -> None:
    async with rig(tmp_path, long_answer_script) as r:
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received > 0, what="greeting")
        await r.standin.drop_all()
        sessions = await r.standin.wait_sessions(2)
        await eventually(lambda: sessions[1].of_type("response.create"), what="the retry re-configured")
        assert sessions[1].of_type("session.update")
        assert not r.service.twilio_rest.updates
        await r.standin.drop_all()  # the second drop: no more retries
        await eventually(lambda: r.service.twilio_rest.updates, what="transfer through Twilio REST")
        update = r.service.twilio_rest.updates[0]
        assert update.call_sid == caller.call_sid
        assert ">+81312345678</Number></Dial>" in update.form["Twiml"]
        await caller.wait_closed()
        conv = r.factory.calls[caller.call_sid]
        await eventually(lambda: conv.finished.is_set(), what="finish")
        assert conv.outcome == "transferred"
        assert len(r.standin.sessions) == 2


async def test_unreachable_realtime_on_retry_transfers(tmp_path: Path) -> None:
    async with rig(tmp_path, long_answer_script) as r:
        caller = await r.call()
        await eventually(lambda: caller.playout.bytes_received > 0, what="greeting")
        r.standin.refuse_new = True
        await r.standin.drop_all()
        await eventually(lambda: r.service.twilio_rest.updates, what="transfer")
        assert r.standin.connections_attempted == 2
        await caller.wait_closed()
