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

import openai
from openai import AsyncAzureOpenAI, AsyncOpenAI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall import records, transcript
from ivr.aftercall.outcomes import Done, JobFailed, Skip, retryable_status
from ivr.aftercall.queue import ClaimedJob
from ivr.config import SummaryConfig
from ivr.prompts.store import SectionFile

PROMPTS = SectionFile("summary.md", ("instructions", "caller", "caller_unknown", *transcript.SECTIONS))
MAX_SUMMARY_CHARS = 1200
MAX_COMPLETION_TOKENS = 1500  # room for a reasoning model's thinking as well as the four lines


def summary_client(config: SummaryConfig) -> AsyncOpenAI | None:
    """The SDK client for summaries, or None when no key is configured (then summaries are off)."""
    if config.azure_endpoint and config.azure_api_key is not None:
        return AsyncAzureOpenAI(azure_endpoint=config.azure_endpoint, api_key=config.azure_api_key,
                                api_version=config.azure_api_version, max_retries=0, timeout=config.timeout_seconds)
    if not config.openai_api_key:
        return None
    return AsyncOpenAI(api_key=config.openai_api_key, base_url=config.openai_base_url, max_retries=0,
                       timeout=config.timeout_seconds)


def caller_line(facts: records.CallFacts, sections: dict[str, str]) -> str:
    if facts.driver is None:
        return sections["caller_unknown"]
    vehicle = "・".join(facts.vehicles) or "-"
    return sections["caller"].format(driver=facts.driver.name, vehicle=vehicle)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after") if exc.response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Summarizer:
    """The `summary` job handler."""

    def __init__(self, client: AsyncOpenAI, model: str, prompts: SectionFile = PROMPTS) -> None:
        self._client = client
        self._completions = client.chat.completions  # loads the SDK's resource modules now, not mid-call
        self.model = model
        self.prompts = prompts

    async def close(self) -> None:
        """The SDK's connection pool (keep-alive sockets to the API) closes with the worker."""
        await self._client.close()

    async def __call__(self, job: ClaimedJob, sessionmaker: async_sessionmaker[AsyncSession]) -> Done | Skip:
        async with sessionmaker() as session:
            facts = await records.call_facts(session, job.call_id)
        if facts is None:
            return Skip("call_gone")
        sections = self.prompts.sections()  # one version of the file for the whole job
        text = transcript.render(facts.lines, facts.driver, sections)
        if not text:
            return Skip("nothing_said")
        body = await self._ask(sections["instructions"], text)
        return Done(text=(caller_line(facts, sections) + "\n" + body)[:MAX_SUMMARY_CHARS])

    async def _ask(self, instructions: str, text: str) -> str:
        try:
            completion = await self._completions.create(
                model=self.model,
                messages=[{"role": "system", "content": instructions},
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
