"""The after-call rules without sockets or a database: backoff, the transcript sent to the model,
who gets the SMS and what it says."""

from __future__ import annotations

import datetime as dt
import random
from urllib.parse import parse_qs, urlsplit

from ivr.aftercall.outcomes import retryable_status
from ivr.aftercall.records import DriverFacts, Line, StopFacts
from ivr.aftercall.retry import RetryPolicy
from ivr.aftercall.sms import PROMPTS as SMS_PROMPTS
from ivr.aftercall.sms_rules import e164, map_url, skip_reason, sms_body, stop_read
from ivr.aftercall.summary import PROMPTS as SUMMARY_PROMPTS
from ivr.aftercall.transcript import MAX_CHARS, NAME_MASK, PHONE_MASK, mask_phone_numbers, render

SATO = DriverFacts(1, "佐藤 健一", "サトウ ケンイチ", "09011110001", False)
STOP_KANA = {"destination_name_kana": "アリアケ ブツリュウ センター",
             "address_kana": "トウキョウト コウトウク アリアケ", "window_kana": "クジカラ ジュウジマデ",
             "cargo_kana": "パレット", "notes_kana": "", "order_kana": "イッケンメ"}

LINES = SUMMARY_PROMPTS.sections()  # how each transcript line is written (ivr/prompts/summary.md)


def found(stop: dict[str, str] | None = None) -> Line:
    return Line("tool_result", "get_next_stop",
                {"name": "get_next_stop", "output": {"status": "found", "stop": stop or STOP_KANA,
                                                     "instruction": "次の届け先です。…"}})


# ----- retries ---------------------------------------------------------------------------------------
def test_backoff_doubles_up_to_the_cap_with_jitter_between_half_and_full() -> None:
    policy = RetryPolicy(max_attempts=8, base_s=10, cap_s=100)
    assert [policy.ceiling(n) for n in range(1, 7)] == [10, 20, 40, 80, 100, 100]
    rng = random.Random(7)
    for attempt in range(1, 9):
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        ceiling = policy.ceiling(attempt)
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # spread out, not one instant for every job


def test_a_retry_after_is_a_floor_and_attempts_run_out() -> None:
    policy = RetryPolicy(max_attempts=3, base_s=1, cap_s=4)
    assert policy.delay(1, random.Random(1), at_least=30) == 30
    assert not policy.exhausted(2) and policy.exhausted(3)


def test_which_http_statuses_are_retried() -> None:
    assert all(retryable_status(s) for s in (None, 401, 403, 408, 409, 429, 500, 502, 503))
    assert not any(retryable_status(s) for s in (400, 404, 413, 422))


# ----- the transcript the model gets -----------------------------------------------------------------
def test_phone_numbers_are_masked_in_any_script() -> None:
    for said in ("090-1111-0001", "09011110001", "０９０ー１１１１ー０００１", "+81 90 1111 0001",
                 "〇九〇の一一一一の〇〇〇一", "ぜろきゅうぜろ いちいちいちいち ぜろぜろぜろいち",
                 "ゼロキューゼロ、イチイチイチイチ、ゼロゼロゼロイチ"):
        masked = mask_phone_numbers(f"番号は{said}です")
        assert masked == f"番号は{PHONE_MASK}です", said


def test_vehicle_numbers_and_times_are_not_taken_for_phone_numbers() -> None:
    for said in ("車番は12-34です", "いちにのさんよん", "9時から10時", "パレット12枚", "品川100あ1234"):
        assert PHONE_MASK not in mask_phone_numbers(said), said


def test_the_model_gets_both_sides_without_names_tool_data_or_keypad_digits() -> None:
    lines = [
        Line("bot", "お電話ありがとうございます。車番をお願いします。"),
        Line("caller", "いちにのさんよん、佐藤健一です。携帯は090-1111-0001"),
        Line("tool_result", "lookup_driver", {"output": {"status": "matched", "driver_name_kana": "サトウ ケンイチ",
                                                         "instruction": "本人と確認できました。"}}),
        Line("bot", "サトウ ケンイチさんですね。"),
        found(),
        Line("bot", "次の届け先はアリアケ ブツリュウ センターです。"),
        Line("interruption", "ちょっと", {"reason": "speech"}),
        Line("caller", "さとうです、もう一回"),
        Line("transfer", "caller_asked_for_person", {"reason": "caller_asked_for_person"}),
    ]
    text = render(lines, SATO, LINES)
    assert "佐藤" not in text and "サトウ" not in text and "さとう" not in text and "健一" not in text
    assert "0001" not in text and PHONE_MASK in text
    assert f"ボット: {NAME_MASK}さんですね。" in text
    assert "[システム] lookup_driver: matched" in text and "[システム] get_next_stop: found" in text
    assert "instruction" not in text and "本人と確認できました" not in text
    assert "アリアケ ブツリュウ センター" in text  # what the driver was told stays
    assert "[配車係へ転送: caller_asked_for_person]" in text


def test_a_call_where_nobody_spoke_gives_no_transcript() -> None:
    assert render([Line("tool_result", "lookup_driver", {"output": {"status": "invalid"}})], None, LINES) == ""
    assert render([Line("caller", "  ")], None, LINES) == ""


def test_a_long_transcript_keeps_its_start_and_end() -> None:
    lines = [Line("caller", "はじめのことば")] + [Line("bot", "あ" * 100)] * 300 + [Line("caller", "おわりのことば")]
    text = render(lines, None, LINES)
    assert len(text) <= MAX_CHARS and "はじめのことば" in text and "おわりのことば" in text and "中略" in text


# ----- who gets the SMS --------------------------------------------------------------------------------
def test_the_stop_counts_as_read_only_once_the_bot_spoke_after_it() -> None:
    assert stop_read([found()]) is None  # handed over or hung up before the bot read it
    assert stop_read([found(), Line("bot", "次の届け先は…")]) == STOP_KANA
    assert stop_read([found(), Line("transfer", "caller_asked_for_person"), Line("bot", "")]) is None
    later = {**STOP_KANA, "destination_name_kana": "ミタ ストア"}
    assert stop_read([found(), Line("bot", "…"), found(later), Line("bot", "…")]) == later
    none = Line("tool_result", "get_next_stop", {"output": {"status": "none"}})
    assert stop_read([none, Line("bot", "本日の届け先はもうありません")]) is None


def test_only_the_drivers_own_mobile_matching_the_caller_id_gets_it() -> None:
    assert skip_reason(SATO, "+819011110001") is None
    assert skip_reason(SATO, "090-1111-0001") is None
    assert skip_reason(SATO, "+819099990000") == "caller_id_mismatch"
    assert skip_reason(SATO, None) == "no_caller_id"
    assert skip_reason(SATO, "anonymous") == "no_caller_id"
    assert skip_reason(DriverFacts(1, "a", "ア", "", False), "+819011110001") == "no_phone_on_file"
    assert skip_reason(DriverFacts(1, "a", "ア", "0312345678", False), "+81312345678") == "not_a_mobile_number"
    assert skip_reason(DriverFacts(1, "a", "ア", "09011110001", True), "+819011110001") == "driver_opted_out"
    assert e164("09011110001") == "+819011110001"


def test_the_sms_reads_the_stop_as_written_with_a_map_link() -> None:
    stop = StopFacts(5, "有明物流センター", "東京都江東区有明3丁目5番7号", dt.time(9), dt.time(10), "パレット12枚 冷蔵")
    body = sms_body(stop, SMS_PROMPTS.sections())
    assert "有明物流センター" in body and "東京都江東区有明3丁目5番7号" in body
    assert "09:00〜10:00" in body and "パレット12枚 冷蔵" in body
    link = next(w for w in body.split() if w.startswith("https://"))
    assert link == map_url(stop.destination_address)
    assert parse_qs(urlsplit(link).query) == {"api": ["1"], "query": ["東京都江東区有明3丁目5番7号"]}
    assert "アリアケ" not in body  # the address as written, never the kana
    bare = sms_body(StopFacts(5, "A", "B&C 1-2", None, None, ""), SMS_PROMPTS.sections())
    assert "指定なし" in bare and "記載なし" in bare and "B%26C%201-2" in bare
    assert "以降" in sms_body(StopFacts(5, "A", "B", dt.time(9), None, "x"), SMS_PROMPTS.sections())
