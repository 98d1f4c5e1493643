"""Playback accounting: heard position from mark echoes, cleared marks ignored."""

from __future__ import annotations

from ivr.bridge.playback import PlaybackTracker, TruncateDecision


def test_truncate_carries_the_position_of_the_last_echoed_mark() -> None:
    pb = PlaybackTracker()
    marks = [pb.chunk_sent("item_a", 800) for _ in range(5)]  # 5 x 100 ms
    assert pb.playing
    assert pb.mark_played(marks[0]) and pb.mark_played(marks[1])
    decision = pb.clear()
    assert decision == TruncateDecision("truncate", "item_a", 0, 200)
    # Twilio echoes the pending marks on clear: they must not move the heard position.
    assert not any(pb.mark_played(m) for m in marks[2:])
    assert pb.played_ms("item_a") == 200
    assert not pb.playing


def test_nothing_heard_deletes_the_item() -> None:
    pb = PlaybackTracker()
    pb.chunk_sent("item_a", 800)
    assert pb.clear() == TruncateDecision("delete", "item_a")


def test_fully_heard_and_complete_needs_nothing() -> None:
    pb = PlaybackTracker()
    marks = [pb.chunk_sent("item_a", 400) for _ in range(3)]
    pb.item_complete("item_a")
    for m in marks:
        pb.mark_played(m)
    assert not pb.playing
    assert pb.clear() == TruncateDecision("none", "item_a")


def test_fully_heard_but_still_streaming_truncates_at_the_received_end() -> None:
    pb = PlaybackTracker()
    m = pb.chunk_sent("item_a", 1600)
    pb.mark_played(m)
    decision = pb.clear()
    assert decision == TruncateDecision("truncate", "item_a", 0, 200)
    assert 0 < decision.audio_end_ms <= pb.received_ms("item_a")


def test_position_is_per_item_and_unknown_marks_are_ignored() -> None:
    pb = PlaybackTracker()
    a = pb.chunk_sent("item_a", 800)
    b = pb.chunk_sent("item_b", 240, content_index=1)
    assert pb.mark_played(a)
    assert not pb.mark_played("bogus")
    assert pb.mark_played(b)
    assert pb.played_ms("item_a") == 100 and pb.played_ms("item_b") == 30
    assert pb.current_item == "item_b"


def test_clear_with_nothing_sent_has_no_decision() -> None:
    assert PlaybackTracker().clear() is None
