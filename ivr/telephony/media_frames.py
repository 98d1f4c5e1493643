"""Twilio Media Streams messages: the outbound ones built, the inbound ones checked.

This is the hot path (every 20 ms per call, each way), so frames are encoded and decoded with
orjson straight from and to the socket's bytes. Inbound frames come from the network; one that is
not JSON, not an object, or lacks what its event needs is reported as `None` and counted, never
raised, so a bad frame ends nothing.
"""

from __future__ import annotations

from typing import Any

import orjson


def media(stream_sid: str, payload_b64: str) -> bytes:
    """The model's base64 μ-law goes out as it came in: never decoded, never re-encoded."""
    return orjson.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload_b64}})


def mark(stream_sid: str, name: str) -> bytes:
    return orjson.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear(stream_sid: str) -> bytes:
    return orjson.dumps({"event": "clear", "streamSid": stream_sid})


def payload_bytes(payload_b64: str) -> int:
    """Decoded length of a base64 string without decoding it (the audio is only passed through)."""
    n = len(payload_b64)
    return n * 3 // 4 - payload_b64.endswith("=") - payload_b64.endswith("==")


def parse(data: bytes | str) -> dict[str, Any] | None:
    try:
        frame = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("event"), str):
        return None
    return frame


def media_payload(frame: dict[str, Any]) -> str | None:
    body = frame.get("media")
    if not isinstance(body, dict):
        return None
    payload = body.get("payload")
    if not isinstance(payload, str) or not payload:
        return None
    track = body.get("track", "inbound")
    return payload if track in ("inbound", "inbound_track") else None


def mark_name(frame: dict[str, Any]) -> str | None:
    body = frame.get("mark")
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) else None


def dtmf_digit(frame: dict[str, Any]) -> str | None:
    body = frame.get("dtmf")
    digit = body.get("digit") if isinstance(body, dict) else None
    return digit if isinstance(digit, str) and len(digit) == 1 else None


def start_info(frame: dict[str, Any]) -> tuple[str, str, dict[str, str]] | None:
    """(callSid, streamSid, customParameters) of a well-formed `start`."""
    body = frame.get("start")
    if not isinstance(body, dict):
        return None
    call_sid, stream_sid = body.get("callSid"), body.get("streamSid") or frame.get("streamSid")
    params = body.get("customParameters") or {}
    if not (isinstance(call_sid, str) and call_sid and isinstance(stream_sid, str) and stream_sid):
        return None
    if not isinstance(params, dict):
        return None
    return call_sid, stream_sid, {str(k): str(v) for k, v in params.items()}
