"""What `ivr calls show` and the console print for a call's summary and SMS, in every state."""

from __future__ import annotations

from ivr.aftercall.view import FollowUp, sms_line, summary_line


def follow(kind: str, state: str, **kw) -> FollowUp:
    values = {"attempts": 1, "reason": "", "text": "", "message_sid": "", "delivery_status": "", "updated_at": None}
    values.update(kw)
    return FollowUp(kind=kind, state=state, **values)


def test_summary_lines() -> None:
    assert summary_line(None) == "-"
    done = follow("summary", "done", text="発信者: 佐藤 健一（品川 100 あ 12-34）\n用件: 次の届け先\n\n未解決: なし")
    assert summary_line(done) == "発信者: 佐藤 健一（品川 100 あ 12-34） / 用件: 次の届け先 / 未解決: なし"
    assert summary_line(follow("summary", "pending", attempts=0)) == "pending"
    assert summary_line(follow("summary", "pending", attempts=2, reason="openai:http_429")) == (
        "pending (retrying after openai:http_429, 2 attempt(s) so far)")
    assert summary_line(follow("summary", "running", attempts=3)) == "in progress (attempt 3)"
    assert summary_line(follow("summary", "failed", reason="openai:http_400")) == "failed: openai:http_400"
    assert summary_line(follow("summary", "skipped", reason="nothing_said")) == "skipped: nothing_said"


def test_sms_lines() -> None:
    assert sms_line(None) == "-"
    assert sms_line(follow("sms", "done", message_sid="SM1", delivery_status="delivered")) == "delivered (SM1)"
    assert sms_line(follow("sms", "done", message_sid="SM1", delivery_status="undelivered", reason="twilio:30003")) == (
        "undelivered (SM1) twilio:30003")
    assert sms_line(follow("sms", "skipped", reason="caller_id_mismatch")) == "skipped: caller_id_mismatch"
    assert sms_line(follow("sms", "failed", reason="twilio:http_400:21211")) == "failed: twilio:http_400:21211"
