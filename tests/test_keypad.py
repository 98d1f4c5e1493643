"""Keypad entry: the pure collector (injected clock), the conversation's one-lookup-at-a-time rule
and keypad offer on a real database, and the bridge's handling of keys with socket-free fakes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeCallControl, FakeClock, FakeRealtime, FakeTwilio, audio, settle
from guidance_support import DAY, load_days

from ivr.bridge.call import BridgeConfig, CallBridge
from ivr.bridge.keypad import KeypadCollector, KeypadEntry
from ivr.bridge.metrics import BridgeMetrics
from ivr.config import GuidanceConfig
from ivr.conversation import CallContext, KeypadLookup, ToolOutcome
from ivr.guidance.conversation import GuidanceConversation
from ivr.guidance.deps import GuidanceDeps
from ivr.guidance.keypad_entry import KeypadState, unintelligible
from ivr.prompts.store import PromptStore
from ivr.settings import load_settings
from ivr.sim.scripted_conversation import ScriptedConversation
from ivr.turn.machine import TurnConfig
from ivr.turn.vad_presets import PRESETS
from schedules.search.embedded import EmbeddedSearch

# ----- the collector ---------------------------------------------------------------------------


def test_digits_until_hash_make_one_entry() -> None:
    clock = FakeClock()
    keys = KeypadCollector(clock)
    assert [keys.press(k) for k in "1234"] == [None] * 4 and keys.typing
    assert keys.press("#") == KeypadEntry("1234", "hash")
    assert not keys.typing and keys.next_deadline() is None
    assert keys.press("#") is None  # a lone # is nothing


def test_a_three_second_pause_after_the_last_digit_ends_the_entry() -> None:
    clock = FakeClock()
    keys = KeypadCollector(clock)
    keys.press("1")
    clock.t += 2.0
    keys.press("2")
    assert keys.next_deadline() == pytest.approx(clock.t + 3.0)
    clock.t += 2.9
    assert keys.tick() is None
    clock.t += 0.1
    assert keys.tick() == KeypadEntry("12", "pause")
    assert keys.tick() is None


def test_star_starts_again_other_keys_are_ignored_and_a_full_entry_ends_itself() -> None:
    keys = KeypadCollector(FakeClock(), max_digits=4)
    for k in "99*12A":
        assert keys.press(k) is None
    assert keys.press("3") is None
    assert keys.press("4") == KeypadEntry("1234", "full")


# ----- when the keypad is offered --------------------------------------------------------------


def test_two_unintelligible_transcripts_in_a_row_make_the_line_noisy_once() -> None:
    assert unintelligible("") and unintelligible("…。") and not unintelligible("えっと") and not unintelligible("12")
    state = KeypadState()
    assert [state.heard(t) for t in ("", "佐藤です", "。", "")] == [False, False, False, True]
    assert [state.heard(t) for t in ("", "")] == [False, False]  # offered once per call
    assert not state.offer_after_failure()


# ----- the conversation: one lookup in flight ---------------------------------------------------


@pytest.fixture
async def deps(sessionmaker, tmp_path: Path) -> GuidanceDeps:
    await load_days(sessionmaker, tmp_path)
    return GuidanceDeps.build(GuidanceConfig.from_settings(load_settings()), sessionmaker, today=lambda: DAY,
                              prompts=PromptStore(), search=EmbeddedSearch(sessionmaker))


async def new_call(deps: GuidanceDeps, sid: str = "CAkeypad01") -> GuidanceConversation:
    return await GuidanceConversation.start(CallContext(call_sid=sid), deps)


async def spoken(conv: GuidanceConversation, vehicle: str, name: str) -> dict[str, Any]:
    args = json.dumps({"vehicle_number": vehicle, "driver_name": name}, ensure_ascii=False)
    return (await conv.run_tool("lookup_driver", args)).output


async def test_a_keypad_entry_uses_the_spoken_name_and_the_same_strict_lookup(deps) -> None:
    conv = await new_call(deps)
    assert (await spoken(conv, "いちにのさんご", "佐藤 健一"))["status"] == "not_found"
    typed = await conv.keypad_entry("1234")
    assert typed is not None and typed.name == "lookup_driver"
    assert json.loads(typed.arguments) == {"vehicle_number": "1234", "driver_name": "佐藤 健一"}
    assert typed.outcome.output["status"] == "matched" and conv.state.identified
    # A wrong typed number is refused like a spoken one, and counts as an attempt.
    conv2 = await new_call(deps, "CAkeypad02")
    await spoken(conv2, "いちにのさんよん", "鈴木 一郎")
    wrong = await conv2.keypad_entry("1235")
    assert wrong is not None and wrong.outcome.output["status"] == "not_found"
    assert conv2.state.lookup_failures == 2


async def test_a_spoken_lookup_while_the_keypad_is_looked_up_is_not_run(deps) -> None:
    conv = await new_call(deps, "CAkeypad03")
    conv.keypad.keypad_running = True
    out = await spoken(conv, "いちにのさんよん", "佐藤 健一")
    assert out["status"] == "keypad_pending" and conv.state.lookup_failures == 0 and not conv.state.identified


async def test_a_keypad_entry_waits_for_a_spoken_lookup_and_is_dropped_once_it_identified(deps) -> None:
    conv = await new_call(deps, "CAkeypad04")
    await conv.keypad.lock.acquire()  # a spoken lookup is running
    entry = asyncio.create_task(conv.keypad_entry("1234"))
    await asyncio.sleep(0.05)
    assert not entry.done() and conv.keypad.keypad_running
    conv.state.apply_lookup(await _matched(conv))  # the spoken lookup identifies the driver
    conv.keypad.lock.release()
    assert await entry is None
    assert not conv.keypad.keypad_running


async def test_phone_digits_typed_while_a_confirm_awaits_them_go_to_verify_not_to_the_lookup(deps) -> None:
    conv = await new_call(deps, "CAkeypad06")
    assert (await spoken(conv, "いちにのさんよん", "さと"))["status"] == "confirm" and conv.state.verifying
    short = await conv.keypad_entry("01")  # too few digits: asked again, nothing counted
    assert short is not None and short.name == "verify_driver"
    assert short.outcome.output["status"] == "unclear" and conv.state.lookup_failures == 1
    whole = await conv.keypad_entry("09011110001")  # a whole phone number: its last four
    assert whole is not None and json.loads(whole.arguments) == {"phone_last4": "09011110001"}
    assert whole.outcome.output["status"] == "verified" and conv.state.identified
    assert deps.metrics.registry.get_sample_value("ivr_keypad_entries_total", {"result": "verified"}) == 1
    # The model's spoken relay of the same answer, arriving after, finds nothing left to verify.
    conv.caller_said("ぜろぜろぜろいち")
    late = await conv.run_tool("verify_driver", json.dumps({"phone_last4": "0001"}))
    assert late.output["status"] == "nothing_to_verify"
    # Once identified, a keypad entry does nothing (counted as ignored).
    assert await conv.keypad_entry("1234") is None
    assert deps.metrics.registry.get_sample_value("ivr_keypad_entries_total", {"result": "ignored"}) == 1


async def _matched(conv: GuidanceConversation) -> Any:
    async with conv.deps.sessionmaker() as session:
        return await conv.state.lookups.lookup(session, date=DAY, vehicle_text="1234", name_text="佐藤 健一")


async def test_a_noisy_line_queues_the_keypad_offer_as_a_notice(deps) -> None:
    conv = await new_call(deps, "CAkeypad05")
    conv.caller_said("")
    assert conv.take_notices() == []
    conv.caller_said("、")
    notices = conv.take_notices()
    assert len(notices) == 1 and "プッシュボタンでも入力できます" in notices[0]
    assert conv.take_notices() == []
    # Offered already: the first failed lookup does not offer it again.
    out = await spoken(conv, "いちにのさんご", "佐藤 健一")
    assert "プッシュボタン" not in out["instruction"]


# ----- the bridge: keys are not speech ----------------------------------------------------------


class KeypadScripted(ScriptedConversation):
    def __init__(self, ctx: CallContext) -> None:
        super().__init__(ctx, {})
        self.entries: list[str] = []

    async def keypad_entry(self, digits: str) -> KeypadLookup | None:
        self.entries.append(digits)
        outcome = ToolOutcome(output={"status": "matched", "source": "keypad"})
        return KeypadLookup("lookup_driver", json.dumps({"vehicle_number": digits}), outcome)

    def take_notices(self) -> list[str]:
        return []


async def keypad_call(call_sid: str) -> tuple[FakeClock, FakeRealtime, FakeTwilio, list[KeypadScripted], CallBridge]:
    """A started call on fakes whose conversation records the keypad entries it is handed."""
    clock = FakeClock()
    realtime, twilio = FakeRealtime(), FakeTwilio()
    convs: list[KeypadScripted] = []

    async def factory(ctx: CallContext) -> KeypadScripted:
        convs.append(KeypadScripted(ctx))
        return convs[-1]

    turn = TurnConfig(mode="barge_in", speak_delay_ms=0, response_cooldown_ms=300)
    bridge = CallBridge(twilio=twilio, connector=realtime, factory=factory,
                        config=BridgeConfig(preset=PRESETS["standard"], turn=turn), call_control=FakeCallControl(clock),
                        metrics=BridgeMetrics(), clock=clock)
    bridge.begin()
    await settle()
    await bridge.on_start(CallContext(call_sid=call_sid, stream_sid="MZfake"))
    await settle()
    return clock, realtime, twilio, convs, bridge


async def test_keys_pressed_while_the_bot_talks_cut_nothing_and_the_result_reaches_the_model() -> None:
    clock, realtime, twilio, convs, bridge = await keypad_call("CAkeys")
    link = realtime.links[-1]
    await link.push({"type": "response.created", "response": {"id": "r0"}},
                    {"type": "response.output_item.added", "response_id": "r0", "item": {"id": "g0"}},
                    {"type": "response.output_audio.delta", "response_id": "r0", "item_id": "g0", "content_index": 0,
                     "delta": audio(2000)})
    assert bridge.voice.speaking
    for key in "12":
        bridge.on_dtmf(key)
    await clock.advance(1000)
    bridge.on_dtmf("3")
    bridge.on_dtmf("4")
    bridge.on_dtmf("#")
    await settle()
    # Nothing was cut off or taken for an utterance.
    assert "clear" not in twilio.events() and not link.of_type("response.cancel")
    assert not link.of_type("conversation.item.truncate") and bridge.voice.speaking
    assert not [e for e in convs[0].events if e[0] in ("interruption", "aizuchi_ignored", "caller")]
    assert convs[0].entries == ["1234"]
    # The result went into the model's conversation as a call and its output; the answer waits
    # for the current response to end.
    items = [e["item"] for e in link.of_type("conversation.item.create")]
    assert [i["type"] for i in items] == ["function_call", "function_call_output"]
    assert items[0]["name"] == "lookup_driver" and items[0]["call_id"] == items[1]["call_id"]
    assert json.loads(items[1]["output"]) == {"status": "matched", "source": "keypad"}
    creates = len(link.of_type("response.create"))
    await link.push({"type": "response.output_audio.done", "response_id": "r0", "item_id": "g0"},
                    {"type": "response.done", "response": {"id": "r0"}})
    await settle()
    assert len(link.of_type("response.create")) == creates + 1
    await bridge.close("test")


async def test_digits_ended_by_a_pause_are_looked_up_after_three_seconds() -> None:
    clock, _, _, convs, bridge = await keypad_call("CApause")
    for key in "5678":
        bridge.on_dtmf(key)
    await clock.advance(2900)
    assert convs[0].entries == []
    await clock.advance(200)
    assert convs[0].entries == ["5678"]
    await bridge.close("test")
