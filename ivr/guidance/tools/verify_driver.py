"""`verify_driver`: the last four digits of the phone on file, after a `confirm`.

A near or surname-only match names nobody to the caller. The bot asks for the last four digits of
the phone registered for the driver; the model relays what the caller said, and the lookup
compares it, in code, with the phone on file (which the model never sees) and with the caller's
own transcript (`CallerAnswers`): the caller must have said those digits. Until the caller's
words are in, nothing is decided and nothing is counted; a wrong answer counts as an attempt.

Digits typed on the keypad while the question is open (`verify_keyed`, from the conversation's
keypad entry) are the caller's own input too - they arrive on Twilio's signed media stream, never
through the model - so they are their own evidence: the same comparison with the phone on file,
counted as an attempt like a spoken answer.
"""

from __future__ import annotations

from pydantic import Field

from ivr.conversation import ToolOutcome
from ivr.guidance.tools.base import Args, Tool, ToolEnv, answer
from lookup.second_factor import TAIL, heard_tail, heard_tails


class VerifyArgs(Args):
    phone_last4: str = Field(min_length=1, max_length=60,
                             description="運転手さんが言った携帯電話番号の下四桁（言ったとおり。例: 0123）")


async def run(env: ToolEnv, args: VerifyArgs) -> ToolOutcome:
    state = env.state
    if not state.verifying:
        return answer(env, "verify_not_pending", status="nothing_to_verify")
    said = heard_tail(args.phone_last4)
    if said is None:
        env.answers.ask()
        return answer(env, "verify_unclear", status="unclear")
    transcripts = await env.answers.said(lambda heard: said in heard_tails(heard))
    if transcripts is None:
        return answer(env, "verify_unheard", status="unheard")  # the question stays open
    async with env.keypad.lock:  # digits typed meanwhile are decided first; this answer then finds nothing open
        if not state.verifying:
            return answer(env, "verify_not_pending", status="nothing_to_verify")
        return await _decide(env, said, heard_tails(transcripts))


async def verify_keyed(env: ToolEnv, digits: str) -> ToolOutcome:
    """The caller typed the digits (a whole phone number: its last four); the keys are the evidence.
    The caller holds the call's one lookup lock (keypad entry)."""
    if not env.state.verifying:
        return answer(env, "verify_not_pending", status="nothing_to_verify")
    said = digits[-TAIL:] if len(digits) >= TAIL and digits.isdigit() else None
    if said is None:
        env.answers.ask()
        return answer(env, "verify_unclear", status="unclear")
    return await _decide(env, said, frozenset({said}))


async def _decide(env: ToolEnv, said: str, heard: frozenset[str]) -> ToolOutcome:
    state = env.state
    async with env.deps.sessionmaker() as session:
        result = await state.lookups.verify_phone_tail(session, said=said, heard=heard)
    if result.status == "verified" and result.driver is not None:
        env.answers.close()
        return answer(env, state.verified(result.driver.id), status="verified",
                      driver_name_kana=result.driver.name_kana)
    if result.status == "not_pending":
        return answer(env, "verify_not_pending", status="nothing_to_verify")
    env.deps.metrics.count_refusal(result.reason)
    step = state.verify_failed(handoff=result.handoff)
    if result.handoff:
        env.answers.close()
        return answer(env, step, action="transfer", reason="lookup_failed", status="not_verified",
                      attempts_left=0, handoff=True)
    env.answers.ask()
    return answer(env, step, status="not_verified", attempts_left=result.attempts_left)


TOOL = Tool(
    name="verify_driver",
    description="lookup_driver が confirm を返したあと、運転手さんが言った携帯電話番号の下四桁を渡して本人確認します。",
    args=VerifyArgs,
    run=run,
)
