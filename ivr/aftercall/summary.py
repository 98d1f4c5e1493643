"""The call's summary for the office, written by a model through the openai SDK's Chat Completions.

Chat Completions rather than Responses: the job is one stateless request (instructions plus a
transcript in, four lines out), which both APIs do alike; Chat Completions is served the same way by
OpenAI and by every Azure OpenAI deployment and API version, and it keeps nothing on the provider's
side unless asked (`store` is off by default), where Responses stores each response unless told
not to. The SDK's own retries are off (`max_retries=0`): retries are the queue's, durable and
spaced out. The first line (who called, with the vehicle) is written here from the call record,
so the model never gets the driver's name and cannot get it wrong.
"""

from __future__ import annotations

import logging
from typing import Any

import openai
from openai import AsyncAzureOpenAI, AsyncOpenAI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall import records, transcript
from ivr.aftercall.outcomes import Done, JobFailed, Skip, retryable_status
from ivr.aftercall.queue import ClaimedJob
from ivr.prompt_file import PromptFile

log = logging.getLogger("ivr.aftercall")
PROMPTS = PromptFile("summary.md")
SECTIONS = ("instructions", "caller", "caller_unknown")
MAX_SUMMARY_CHARS = 1200
MAX_COMPLETION_TOKENS = 1500  # room for a reasoning model's thinking as well as the four lines


def summary_client(settings: Any) -> AsyncOpenAI | None:
    """The SDK client for summaries, or None when no key is configured (then summaries are off)."""
    timeout = float(getattr(settings, "summary_timeout_seconds", 30.0))
    endpoint = getattr(settings, "azure_openai_endpoint", None)
    azure_key = getattr(settings, "azure_openai_api_key", None)
    if endpoint and azure_key is not None:
        return AsyncAzureOpenAI(azure_endpoint=endpoint, api_key=azure_key.get_secret_value(),
                                api_version=settings.azure_openai_api_version, max_retries=0, timeout=timeout)
    key = getattr(settings, "openai_api_key", None)
    if key is None or not key.get_secret_value():
        return None
    return AsyncOpenAI(api_key=key.get_secret_value(), base_url=getattr(settings, "openai_base_url", None),
                       max_retries=0, timeout=timeout)


def caller_line(facts: records.CallFacts, prompts: PromptFile = PROMPTS) -> str:
    if facts.driver is None:
        return prompts.section("caller_unknown")
    vehicle = "・".join(facts.vehicles) or "-"
    return prompts.section("caller").format(driver=facts.driver.name, vehicle=vehicle)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after") if exc.response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Summarizer:
    """The `summary` job handler."""

    def __init__(self, client: AsyncOpenAI, model: str, prompts: PromptFile = PROMPTS) -> None:
        self._completions = client.chat.completions  # loads the SDK's resource modules now, not mid-call
        self.model = model
        self.prompts = prompts

    async def __call__(self, job: ClaimedJob, sessionmaker: async_sessionmaker[AsyncSession]) -> Done | Skip:
        async with sessionmaker() as session:
            facts = await records.call_facts(session, job.call_id)
        if facts is None:
            return Skip("call_gone")
        text = transcript.render(facts.lines, facts.driver)
        if not text:
            return Skip("nothing_said")
        body = await self._ask(text)
        return Done(text=(caller_line(facts, self.prompts) + "\n" + body)[:MAX_SUMMARY_CHARS])

    async def _ask(self, text: str) -> str:
        try:
            completion = await self._completions.create(
                model=self.model,
                messages=[{"role": "system", "content": self.prompts.section("instructions")},
                          {"role": "user", "content": text}],
                max_completion_tokens=MAX_COMPLETION_TOKENS,
            )
        except openai.APITimeoutError:
            raise JobFailed("openai:timeout", retryable=True) from None
        except openai.APIConnectionError:
            raise JobFailed("openai:connection", retryable=True) from None
        except openai.APIStatusError as exc:
            code = getattr(exc, "code", None)
            reason = f"openai:http_{exc.status_code}" + (f":{code}" if isinstance(code, str) and code else "")
            raise JobFailed(reason, retryable=retryable_status(exc.status_code),
                            retry_after=_retry_after(exc)) from None
        choice = completion.choices[0] if completion.choices else None
        content = (choice.message.content or "").strip() if choice is not None else ""
        if not content:
            finish = choice.finish_reason if choice is not None else "no_choice"
            # A filtered answer will be filtered again; an empty or cut-off one may not be.
            raise JobFailed(f"openai:empty:{finish}", retryable=finish != "content_filter")
        return content
