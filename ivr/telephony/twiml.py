"""TwiML documents, built with the twilio SDK so escaping is never hand-rolled."""

from __future__ import annotations

from twilio.twiml.voice_response import Connect, Dial, VoiceResponse


def connect_stream(stream_url: str, parameters: dict[str, str], *, fallback_number: str | None = None) -> str:
    """`<Connect><Stream>`: the URL takes no query string, so values travel as `<Parameter>`s.

    Twilio runs the next verb when the stream ends, so a `<Dial>` after it hands the caller to a
    dispatcher if the bridge dies; a normal end hangs the call up through the REST API first.
    """
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url)
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    response.append(connect)
    if fallback_number:
        dial_verb = Dial()
        dial_verb.number(fallback_number)
        response.append(dial_verb)
    return str(response)


def dial(number: str, *, say: str | None = None, whisper_url: str | None = None) -> str:
    """`whisper_url`: the dispatcher hears that URL's TwiML before the call connects (the warm
    hand-over, ivr/telephony/whisper_twiml.py)."""
    response = VoiceResponse()
    if say:
        response.say(say, language="ja-JP")
    dial_verb = Dial()
    if whisper_url:
        dial_verb.number(number, url=whisper_url)
    else:
        dial_verb.number(number)
    response.append(dial_verb)
    return str(response)


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def reject_busy(say: str) -> str:
    """Over capacity: tell the caller (`busy` in ivr/prompts/lines.md) and hang up rather than
    leaving the line silent."""
    return say_and_hang_up(say)


def say_and_hang_up(say: str) -> str:
    response = VoiceResponse()
    response.say(say, language="ja-JP")
    response.hangup()
    return str(response)
