"""Whole simulated calls for `ivr demo` and the end-to-end tests: a scripted model and a caller.

A scenario is what the stand-in "model" does (its replies and what it says after each tool,
built from the real tool output, so it can only read the kana the tools returned) and what the
caller says, turn by turn. `play_call` dials the real webhook with the Twilio caller simulator
and speaks each turn when the bot has finished talking, or, for a 相槌, while it is talking.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ivr.sim.realtime_standin import Reply, ReplyOrFactory, Say, Script, ScriptedToolCall
from ivr.sim.twilio_caller import TwilioCaller


@dataclass
class Turn:
    """One caller utterance: the stand-in's transcript of it, and when it is spoken. A turn with
    `keys` is typed on the keypad instead (DTMF, `says` is only what the demo prints)."""

    says: str
    ms: int = 700
    when: Literal["bot_done", "bot_talking"] = "bot_done"
    keys: str = ""


@dataclass
class Scenario:
    name: str
    turns: list[Turn]
    replies: list[Reply]
    after_tool: dict[str, ReplyOrFactory] = field(default_factory=dict)
    greeting: str = "お電話ありがとうございます。配車センターの自動案内です。車番の四桁をお願いします。"
    speech_scale: float = 1.0  # < 1 makes the bot talk faster (tests); the demo plays real time

    def script(self) -> Script:
        k = self.speech_scale
        after = {name: _scaled_factory(r, k) for name, r in self.after_tool.items()}
        greeting = say(self.greeting)
        return Script(greeting=Say(greeting.text, ms=max(200, int(greeting.ms * k))),
                      replies=[_scaled(r, k) for r in self.replies], after_tool=after,
                      caller_says=[t.says for t in self.turns if not t.keys])


def _scaled_factory(r: ReplyOrFactory, k: float) -> ReplyOrFactory:
    if isinstance(r, Reply):
        return _scaled(r, k)

    def build(out: dict[str, Any]) -> Reply:
        return _scaled(r(out), k)

    return build


def _scaled(reply: Reply, k: float) -> Reply:
    if k == 1.0:
        return reply
    return Reply([Say(p.text, ms=max(200, int(p.ms * k))) if isinstance(p, Say) else p for p in reply.outputs])


def say(text: str) -> Say:
    """Bot speech whose length follows its text, as synthesized speech would (~7 mora a second)."""
    return Say(text, ms=max(400, min(3000, 45 * len(text))))


def _speak_next_stop(out: dict[str, Any]) -> Reply:
    stop = out.get("stop") or {}
    if out.get("status") != "found":
        return Reply([say("本日の届け先はもうありません。ほかにご用件はありますか。")])
    parts = [f"次の届け先は{stop['destination_name_kana']}です。", f"住所は{stop['address_kana']}。"]
    if stop.get("window_kana"):
        parts.append(f"到着は{stop['window_kana']}。")
    if stop.get("cargo_kana"):
        parts.append(f"積荷は{stop['cargo_kana']}。")
    if stop.get("notes_kana"):
        parts.append(f"備考、{stop['notes_kana']}。")
    parts.append("ほかにご用件はありますか。")
    return Reply([say("".join(parts))])


def _after_lookup(out: dict[str, Any]) -> Reply:
    status = out.get("status")
    if status == "matched":
        return Reply([say(f"{out['driver_name_kana']}さん、確認できました。"), ScriptedToolCall("get_next_stop")])
    if status == "confirm":  # it names nobody: the caller proves who they are
        if "verify_driver" in out.get("instruction", ""):
            return Reply([say("本人確認のため、ご登録の携帯電話番号の下四桁をお願いします。")])
        return Reply([say("本人確認のため、お名前をフルネームでもう一度お願いします。")])
    if status == "ambiguous":
        return Reply([say("恐れ入ります、フルネームでお願いします。")])
    if out.get("status") == "error":
        return Reply([say("もう一度お願いします。")])
    if out.get("attempts_left") == 0:
        return Reply([say("確認できませんでした。配車係におつなぎします。少々お待ちください。")])
    if out.get("desk") == "closed":  # the instruction holds the closed line, quoted
        return Reply([say(_quoted(out.get("instruction", "")))])
    if status == "name_needed":
        return Reply([say("車番を受け取りました。お名前をフルネームでお願いします。")])
    if status == "keypad_pending":
        return Reply([say("少々お待ちください。")])
    keypad = "プッシュボタンでも入力できます。車番の数字を押して、最後にシャープを押してください。" \
        if "プッシュボタン" in out.get("instruction", "") else ""
    heard = out.get("heard_vehicle_number_kana", "")
    if heard and status == "not_found":
        return Reply([say(f"{heard}では見つかりませんでした。車番をもう一度お願いします。{keypad}")])
    return Reply([say(f"聞き取れませんでした。車番をもう一度お願いします。{keypad}")])


def _quoted(instruction: str) -> str:
    """The line an instruction tells the model to read out as it is (「…」), as a model would."""
    start, end = instruction.find("「"), instruction.rfind("」")
    return instruction[start + 1:end] if 0 <= start < end else instruction


def _after_search(out: dict[str, Any]) -> Reply:
    if out.get("status") == "found":
        return Reply([say(f"{out['answers'][0]['notes_kana'][0]}、とのことです。ほかにご用件はありますか。")])
    return Reply([say("申し訳ありません、分かりません。配車係におつなぎしましょうか。")])


def _after_verify(out: dict[str, Any]) -> Reply:
    if out.get("status") == "verified":
        return Reply([say(f"{out['driver_name_kana']}さん、確認できました。"), ScriptedToolCall("get_next_stop")])
    if out.get("handoff"):
        return Reply([say("確認できませんでした。配車係におつなぎします。少々お待ちください。")])
    return Reply([say("恐れ入ります、もう一度、携帯電話番号の下四桁を一桁ずつお願いします。")])


COMMON_AFTER_TOOL: dict[str, ReplyOrFactory] = {
    "lookup_driver": _after_lookup,
    "get_next_stop": _speak_next_stop,
    "verify_driver": _after_verify,
    "search_destination_info": _after_search,
    "transfer_to_dispatcher": lambda out: Reply([say(_quoted(out.get("instruction", "")) if out.get("desk") == "closed"
                                                     else "配車係におつなぎします。少々お待ちください。")]),
    "end_call": Reply([say("ありがとうございました。お気をつけて。")]),
    "get_schedule": lambda out: Reply([say("明日の予定はまだ登録されていません。" if out.get("status") != "found"
                                           else "明日の予定をお伝えします。")]),
}


def lookup(vehicle: str, name: str) -> Reply:
    return Reply([ScriptedToolCall("lookup_driver", {"vehicle_number": vehicle, "driver_name": name})])


def served_with_correction(vehicle_heard: str, vehicle_said: str, name: str, question: str) -> Scenario:
    """The demo call: a misheard number corrected, a 相槌 ignored, a question, goodbye."""
    return Scenario(
        name="served",
        turns=[
            Turn(vehicle_heard),
            Turn(name),
            Turn(f"{vehicle_said}です"),
            Turn("はい", ms=300, when="bot_talking"),
            Turn(question, ms=900),
            Turn("以上です。ありがとう。"),
        ],
        replies=[
            Reply([say("ありがとうございます。お名前をお願いします。")]),
            lookup(vehicle_heard, name),
            lookup(vehicle_said, name),
            Reply([ScriptedToolCall("search_destination_info", {"question": question})]),
            Reply([ScriptedToolCall("end_call")]),
        ],
        after_tool=dict(COMMON_AFTER_TOOL),
    )


def verify_path(vehicle: str, name_heard: str, digits_said: str, digits_relayed: str | None = None) -> Scenario:
    """A near or surname-only match proved by the phone's last four digits. The caller says
    `digits_said` (the transcript the conversation checks); the model relays `digits_relayed`
    (by default what was said) to `verify_driver`."""
    relayed = digits_said if digits_relayed is None else digits_relayed
    return Scenario(
        name="verify",
        turns=[Turn(f"{vehicle}、{name_heard}です", ms=900), Turn(digits_said, ms=900), Turn("以上です")],
        # 以上です is answered and the call ended in one reply: three turns, three replies. (With a
        # fourth reply nothing asked for end_call, and the call only ended on the idle timeout.)
        replies=[lookup(vehicle, name_heard), Reply([ScriptedToolCall("verify_driver", {"phone_last4": relayed})]),
                 Reply([say("かしこまりました。"), ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
    )


def verify_by_keypad(vehicle: str, name_heard: str, keys: str) -> Scenario:
    """A near or surname-only match; asked for the phone's last four digits, the driver types them
    (`keys`, ending with #) instead of saying them; then goodbye."""
    return Scenario(
        name="verify_keypad",
        turns=[Turn(f"{vehicle}、{name_heard}です", ms=900), Turn(f"（プッシュボタン {keys}）", keys=keys),
               Turn("以上です")],
        replies=[lookup(vehicle, name_heard), Reply([ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
    )


def ambiguous_then_full_name(vehicle: str, family: str, full: str) -> Scenario:
    return Scenario(
        name="ambiguous",
        turns=[Turn(f"{vehicle}、{family}です", ms=900), Turn(full), Turn("以上です")],
        replies=[lookup(vehicle, family), lookup(vehicle, full), Reply([ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
    )


def keypad_after_misheard(vehicle_heard: str, name: str, keys: str, question: str | None = None) -> Scenario:
    """The recognizer mishears the spoken number; the bot offers the keypad; the driver types it
    (`keys`, ending with #) and is served the next stop (with a 相槌 over it and, given one, a
    question the destination notes answer); then goodbye."""
    turns = [Turn(vehicle_heard), Turn(name), Turn(f"（プッシュボタン {keys}）", keys=keys)]
    replies = [Reply([say("ありがとうございます。お名前をお願いします。")]), lookup(vehicle_heard, name)]
    if question is not None:
        turns += [Turn("はい", ms=300, when="bot_talking"), Turn(question, ms=900)]
        replies.append(Reply([ScriptedToolCall("search_destination_info", {"question": question})]))
    turns.append(Turn("以上です。ありがとう。"))
    replies.append(Reply([ScriptedToolCall("end_call")]))
    return Scenario(name="keypad", turns=turns, replies=replies, after_tool=dict(COMMON_AFTER_TOOL))


def asks_for_person(vehicle: str, name: str, question: str, request: str = "オペレーターと話したいです") -> Scenario:
    """The driver is identified, asks something the bot can't answer, then asks for a person:
    the code hands the call over (the dispatcher hears the whisper first)."""
    return Scenario(
        name="person",
        turns=[Turn(f"{vehicle}、{name}です", ms=900), Turn(question, ms=900), Turn(request),
               Turn("わかりました。以上です。")],  # only when the desk is closed: otherwise the call is gone
        replies=[lookup(vehicle, name), Reply([say("申し訳ありません、分かりません。配車係におつなぎしましょうか。")]),
                 Reply([say("かしこまりました。")]), Reply([ScriptedToolCall("end_call")])],
        after_tool=dict(COMMON_AFTER_TOOL),
    )


def three_failures(attempts: list[tuple[str, str]]) -> Scenario:
    return Scenario(
        name="not_found_transfer",
        turns=[Turn(f"{v}、{n}です", ms=900) for v, n in attempts],
        replies=[lookup(v, n) for v, n in attempts],
        after_tool=dict(COMMON_AFTER_TOOL),
    )


async def _until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _bot_quiet(caller: TwilioCaller, within: float, settle: float = 0.45) -> None:
    """No bot audio playing, pending or arriving for `settle` seconds (or the call is over)."""
    quiet_since: float | None = None
    last = caller.playout.bytes_received
    deadline = time.monotonic() + within
    while not caller.closed.is_set():
        busy = caller.playout.playing or bool(caller.playout.marks) or caller.playout.bytes_received != last
        last = caller.playout.bytes_received
        now = time.monotonic()
        quiet_since = None if busy else (quiet_since or now)
        if quiet_since is not None and now - quiet_since >= settle:
            return
        if now > deadline:
            raise TimeoutError("timed out waiting for the bot to finish")
        await asyncio.sleep(0.02)


async def type_keys(caller: TwilioCaller, keys: str, gap_ms: int = 150) -> None:
    """Keys pressed one after another, as a driver types (Twilio sends one `dtmf` event per key),
    with the line's silence streaming meanwhile."""
    for key in keys:
        await caller.dtmf(key)
        await caller.silence(gap_ms)


async def play_call(caller: TwilioCaller, scenario: Scenario, *, within: float = 20.0,
                    on_turn: Callable[[Turn], None] | None = None) -> None:
    """Dial, then speak every turn at its moment; returns when the service ends the call.

    A `bot_done` turn waits until the bot has been quiet for a moment and expects an answer (new
    audio); a `bot_talking` turn (a 相槌) is spoken over the bot's audio and expects none.
    """
    resp = await caller.dial()
    if resp.status != 200:
        raise RuntimeError(f"the webhook refused the call: HTTP {resp.status}")
    await caller.connect()
    await _until(lambda: caller.playout.bytes_received > 0, within, "the greeting")
    for turn in scenario.turns:
        if caller.closed.is_set():
            break
        if turn.when == "bot_talking":
            await _until(lambda: caller.playout.playing or caller.closed.is_set(), within, "bot audio")
            await asyncio.sleep(0.2)
        else:
            await _bot_quiet(caller, within)
        before = caller.playout.bytes_received
        if on_turn is not None:
            on_turn(turn)
        if turn.keys:
            await type_keys(caller, turn.keys)
        else:
            await caller.speak(turn.ms)
        if turn.when == "bot_done":
            await _until(lambda b=before: caller.playout.bytes_received > b or caller.closed.is_set(),  # type: ignore[misc]
                         within, "the bot's answer")
    await _bot_quiet(caller, within)
    await caller.silence(200)
    await asyncio.wait_for(caller.closed.wait(), within)
