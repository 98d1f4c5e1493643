"""The warm hand-over's TwiML: the dispatcher hears who is calling and why before the call connects.

The transfer dials `<Dial><Number url=WHISPER>`: Twilio requests that URL (signed, like every
webhook) when the dispatcher answers and plays its TwiML to the dispatcher alone before bridging
the two. The URL names the call by its CallSid in the query string (Twilio signs the whole URL,
query included); the route (ivr/web/whisper.py) reads the call's record from the shared database,
so any instance can answer it. The words are `ivr/prompts/whisper.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from twilio.twiml.voice_response import VoiceResponse

from ivr.prompts.store import SectionFile
from ivr.telephony.signature import public_url

WHISPER_PATH = "/twilio/whisper"
ASKED_MAX_CHARS = 60  # what the driver last said, cut to a line the dispatcher can take in
PROMPTS = SectionFile("whisper.md", ("whisper", "who", "who_name_only", "who_unknown", "asked", "asked_none",
                                     "reason_other"))


def whisper_url(public_base: str, call_sid: str) -> str:
    return public_url(public_base, f"{WHISPER_PATH}?call={quote(call_sid, safe='')}")


@dataclass(frozen=True)
class WhisperFacts:
    """What the dispatcher is told: the driver (kana) and vehicle when identified, the hand-over's
    reason code, and the driver's last request (their own words, phone numbers masked)."""

    name_kana: str = ""
    vehicle_kana: str = ""
    reason: str = ""
    last_asked: str = ""


def whisper_text(facts: WhisperFacts, prompts: SectionFile = PROMPTS) -> str:
    sections = prompts.sections()
    if facts.name_kana and facts.vehicle_kana:
        who = sections["who"].format(name=facts.name_kana, vehicle=facts.vehicle_kana)
    elif facts.name_kana:
        who = sections["who_name_only"].format(name=facts.name_kana)
    else:
        who = sections["who_unknown"]
    reason = sections.get(f"reason_{facts.reason}") or sections["reason_other"]
    asked_text = facts.last_asked.strip()[:ASKED_MAX_CHARS]
    asked = sections["asked"].format(text=asked_text) if asked_text else sections["asked_none"]
    return sections["whisper"].format(who=who, reason=reason, asked=asked)


def whisper_twiml(text: str) -> str:
    response = VoiceResponse()
    response.say(text, language="ja-JP")
    return str(response)
