"""The after-call work as `ivr serve` runs it: built from settings, started and stopped with the app.

`build` gives the finish hook for the conversation factory and the worker; `install` adds the
worker to the app's lifetime (started when the app starts, stopped cleanly, running jobs given
back, on shutdown) and the SMS status callback route. Without an OpenAI key (or SUMMARY_MODEL="")
no summary is queued; without SMS_ENABLED no SMS is.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.aftercall import sms, summary
from ivr.aftercall.enqueue import AfterCallEnqueuer
from ivr.aftercall.retry import RetryPolicy
from ivr.aftercall.status_callback import Route, status_handler
from ivr.aftercall.worker import AfterCallWorker, Handler
from ivr.prompt_file import MissingSection
from ivr.telephony.signature import SignatureChecker


def problems(settings: Any) -> list[str]:
    """Settings that cannot work together, each naming its variables (checked by `ivr serve` at start)."""
    found: list[str] = []
    if settings.sms_enabled:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            found.append("SMS_ENABLED needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not (settings.sms_from or settings.sms_messaging_service_sid):
            found.append("SMS_ENABLED needs SMS_FROM (a Twilio number) or SMS_MESSAGING_SERVICE_SID")
    if settings.azure_openai_endpoint and settings.summary_model and settings.azure_openai_api_key is None:
        found.append("AZURE_OPENAI_ENDPOINT is set: summaries need AZURE_OPENAI_API_KEY")
    for prompts, sections in ((summary.PROMPTS, summary.SECTIONS), (sms.PROMPTS, sms.SECTIONS)):
        try:
            prompts.check(*sections)
        except (MissingSection, OSError) as exc:
            found.append(str(exc))
    return found


@dataclass
class AfterCall:
    enqueuer: AfterCallEnqueuer
    worker: AfterCallWorker
    status_route: Route | None = None


def build(settings: Any, sessionmaker: async_sessionmaker[AsyncSession], *, twilio_api_base: str | None = None,
          rng: random.Random | None = None) -> AfterCall:
    handlers: dict[str, Handler] = {}
    client = summary.summary_client(settings) if settings.summary_model else None
    if client is not None:
        handlers["summary"] = summary.Summarizer(client, settings.summary_model)
    status_route = None
    if settings.sms_enabled:
        twilio = sms.twilio_client(settings, api_base_url=twilio_api_base)
        if twilio is None:
            raise ValueError("SMS_ENABLED needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        base = settings.public_base_url
        handlers["sms"] = sms.SmsSender(twilio, from_=settings.sms_from,
                                        messaging_service_sid=settings.sms_messaging_service_sid,
                                        status_callback=base + sms.STATUS_PATH if base else None)
        token = settings.twilio_auth_token.get_secret_value()
        key = settings.twilio_webhook_signing_key
        status_route = status_handler(sessionmaker, SignatureChecker(token, key.get_secret_value() if key else None),
                                      base)
    policy = RetryPolicy(settings.aftercall_max_attempts, settings.aftercall_backoff_seconds,
                         settings.aftercall_backoff_max_seconds)
    worker = AfterCallWorker(sessionmaker, handlers, policy=policy, poll_s=settings.aftercall_poll_seconds,
                             concurrency=settings.aftercall_concurrency, rng=rng)
    return AfterCall(AfterCallEnqueuer(summaries="summary" in handlers, sms="sms" in handlers), worker, status_route)


def install(app: web.Application, aftercall: AfterCall) -> None:
    """Before the app starts: the worker runs for the app's lifetime; the status callback is routed."""
    if aftercall.status_route is not None:
        app.router.add_post(sms.STATUS_PATH, aftercall.status_route)

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        aftercall.worker.start()
        yield
        await aftercall.worker.stop()

    app.cleanup_ctx.append(lifetime)
