"""The after-call work as a serving process runs it: built from its config, started and stopped with the app.

`problems` names settings that cannot work together (checked by `ivr serve` at start); `build`
gives the finish hook for the conversation factory and the worker; `install` adds the worker to
the app's lifetime (started when the app starts, stopped cleanly, running jobs given back, on
shutdown), its metrics to the app's registry, and the SMS status callback route. Each process
that serves calls (each worker of `ivr serve --workers N`) builds and installs its own, inside
its own event loop, after the fork; they share only the queue in the database. Without an OpenAI
key (or SUMMARY_MODEL="") no summary is queued; without SMS_ENABLED no SMS is.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall import sms, summary
from ivr.aftercall.delivery import STATUS_PATH
from ivr.aftercall.enqueue import AfterCallEnqueuer
from ivr.aftercall.metrics import AfterCallMetrics
from ivr.aftercall.retry import RetryPolicy
from ivr.aftercall.worker import AfterCallWorker, Handler
from ivr.config import AfterCallConfig
from ivr.prompts.store import PromptError
from ivr.web.sms_status import sms_status_route
from ivr.web.state import STATE


def problems(config: AfterCallConfig) -> list[str]:
    """Settings that cannot work together, each naming its variables."""
    found: list[str] = []
    if config.sms.enabled:
        if not (config.sms.account_sid and config.sms.auth_token):
            found.append("SMS_ENABLED needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not (config.sms.from_number or config.sms.messaging_service_sid):
            found.append("SMS_ENABLED needs SMS_FROM (a Twilio number) or SMS_MESSAGING_SERVICE_SID")
    if config.summary.azure_endpoint and config.summary.model and config.summary.azure_api_key is None:
        found.append("AZURE_OPENAI_ENDPOINT is set: summaries need AZURE_OPENAI_API_KEY")
    for prompts in (summary.PROMPTS, sms.PROMPTS):
        try:
            prompts.sections()
        except (PromptError, OSError) as exc:
            found.append(str(exc))
    return found


@dataclass
class AfterCall:
    enqueuer: AfterCallEnqueuer
    worker: AfterCallWorker
    sessionmaker: async_sessionmaker[AsyncSession]

    @property
    def sms(self) -> bool:
        return self.enqueuer.sms


def build(config: AfterCallConfig, sessionmaker: async_sessionmaker[AsyncSession], *,
          twilio_api_base: str | None = None, rng: random.Random | None = None) -> AfterCall:
    handlers: dict[str, Handler] = {}
    client = summary.summary_client(config.summary) if config.summary.model else None
    if client is not None:
        handlers["summary"] = summary.Summarizer(client, config.summary.model)
    if config.sms.enabled:
        twilio = sms.twilio_client(config.sms, api_base_url=twilio_api_base)
        if twilio is None:
            raise ValueError("SMS_ENABLED needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        base = config.sms.public_base_url
        handlers["sms"] = sms.SmsSender(twilio, from_=config.sms.from_number,
                                        messaging_service_sid=config.sms.messaging_service_sid,
                                        status_callback=base + STATUS_PATH if base else None)
    policy = RetryPolicy(config.max_attempts, config.backoff_seconds, config.backoff_max_seconds)
    worker = AfterCallWorker(sessionmaker, handlers, policy=policy, poll_s=config.poll_seconds,
                             concurrency=config.concurrency, rng=rng)
    enqueuer = AfterCallEnqueuer(summaries="summary" in handlers, sms="sms" in handlers)
    return AfterCall(enqueuer, worker, sessionmaker)


def install(app: web.Application, aftercall: AfterCall) -> None:
    """Before the app starts (from whatever builds the app in the serving process): the worker runs
    for the app's lifetime, counts on the app's registry, and Twilio's SMS reports are routed."""
    aftercall.worker.metrics = AfterCallMetrics(app[STATE].metrics.registry, tuple(aftercall.worker.kinds))
    if aftercall.sms:
        app.router.add_post(STATUS_PATH, sms_status_route(aftercall.sessionmaker))

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        aftercall.worker.start()
        yield
        await aftercall.worker.stop()

    app.cleanup_ctx.append(lifetime)
