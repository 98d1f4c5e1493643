"""Who gets the after-call SMS, and what it says: pure rules, no I/O.

Sent only after a call in which the driver was identified and the next stop was read to them:
`get_next_stop` answered `found` and the bot then spoke (its answer reads the stop). A call that
ended before that, a hand-over included, gets nothing. Only to the driver's phone on file, only
when the caller ID is that phone, only to a mobile number, and never to a driver who opted out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from ivr.aftercall.records import DriverFacts, Line, StopFacts
from jtext.written_numbers import canonical_phone

NEXT_STOP_TOOL = "get_next_stop"
MAP_URL = "https://www.google.com/maps/search/?api=1&query="
MOBILE_PREFIXES = ("060", "070", "080", "090")  # Japan's mobile numbers; SMS does not reach a landline


def stop_read(lines: Iterable[Line]) -> dict[str, Any] | None:
    """The readings of the last next stop the driver was given: a `found` result followed by bot speech."""
    heard: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None
    for line in lines:
        if line.kind == "tool_result" and line.text == NEXT_STOP_TOOL:
            output = line.data.get("output")
            stop = output.get("stop") if isinstance(output, dict) and output.get("status") == "found" else None
            pending = dict(stop) if isinstance(stop, dict) else None
        elif line.kind == "bot" and pending is not None and line.text.strip():
            heard, pending = pending, None
    return heard


def phone_digest(phone: str) -> str:
    """Ties a queued SMS to the phone that matched the caller ID, without storing the number in the job."""
    return hashlib.sha256(phone.encode()).hexdigest()[:16]


def skip_reason(driver: DriverFacts, caller_phone: str | None) -> str | None:
    """Why this identified driver gets no SMS, or None when it may be sent."""
    if driver.sms_opt_out:
        return "driver_opted_out"
    if not driver.phone:
        return "no_phone_on_file"
    caller = canonical_phone(caller_phone or "")
    if caller is None:
        return "no_caller_id"
    if caller != driver.phone:
        return "caller_id_mismatch"
    if not driver.phone.startswith(MOBILE_PREFIXES):
        return "not_a_mobile_number"
    return None


def e164(phone: str) -> str:
    """09011110001 → +819011110001 (the form Twilio sends to)."""
    return "+81" + phone[1:] if phone.startswith("0") else phone


def map_url(address: str) -> str:
    return MAP_URL + quote(address, safe="")


def _clock(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def window_text(stop: StopFacts, sections: dict[str, str]) -> str:
    start, end = stop.window_start, stop.window_end
    if start is not None and end is not None:
        return sections["window"].format(start=_clock(start), end=_clock(end))
    if start is not None:
        return sections["window_from"].format(start=_clock(start))
    if end is not None:
        return sections["window_until"].format(end=_clock(end))
    return sections["no_window"]


def sms_body(stop: StopFacts, sections: dict[str, str]) -> str:
    """The SMS from the template's sections (ivr/prompts/sms.md), with the stop as written."""
    return sections["body"].format(
        destination=stop.destination_name,
        address=stop.destination_address,
        window=window_text(stop, sections),
        cargo=stop.cargo or sections["no_cargo"],
        map_url=map_url(stop.destination_address),
    ).strip()
