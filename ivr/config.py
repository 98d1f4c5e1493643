"""Typed configuration for each part of the service, read from `Settings` here and nowhere else.

Each part takes a small frozen config naming only the values it uses, so a reader sees what a
part depends on, defaults live once (in `Settings`), and a test builds a config without the
environment. Packages below `ivr` (schedules/, lookup/) never see these either: they get plain
typed parameters. (The Realtime connector and the Twilio call control in ivr/bridge/ still take
`Settings` themselves.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.settings import Settings
from ivr.turn.vad_presets import VadPreset, resolve_preset
from lookup.attempt_ledger import AttemptLimits
from lookup.caller_key import derive_key
from schedules.search.base import DestinationSearch
from schedules.search.indexing import make_search


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


@dataclass(frozen=True)
class SearchConfig:
    """Where destination questions are answered: Azure AI Search when an endpoint is set, else embedded."""

    azure_endpoint: str | None
    azure_key: str = field(repr=False)
    azure_index: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchConfig:
        return cls(settings.azure_search_endpoint, _secret(settings.azure_search_key) or "",
                   settings.azure_search_index)

    def make(self, sessionmaker: async_sessionmaker[AsyncSession]) -> DestinationSearch:
        return make_search(sessionmaker, azure_endpoint=self.azure_endpoint, azure_key=self.azure_key,
                           azure_index=self.azure_index)


@dataclass(frozen=True)
class GuidanceConfig:
    """What the conversation needs besides the database: its depot, clock zone, turn mode and search,
    and the identification limits across calls with the key that hashes callers' numbers."""

    depot_id: str
    timezone: str
    turn_mode: str
    search: SearchConfig
    limits: AttemptLimits = field(default_factory=AttemptLimits)
    caller_hash_key: bytes | None = field(default=None, repr=False)
    desk: DeskConfig = field(default_factory=lambda: DeskConfig("", "", "Asia/Tokyo"))

    @classmethod
    def from_settings(cls, settings: Settings) -> GuidanceConfig:
        limits = AttemptLimits(per_plate=settings.lookup_limit_per_plate, per_caller=settings.lookup_limit_per_caller,
                               window_s=settings.lookup_limit_window_seconds)
        return cls(settings.depot_id, settings.timezone, settings.turn_mode, SearchConfig.from_settings(settings),
                   limits, caller_hash_key(settings), DeskConfig.from_settings(settings))


def caller_hash_key(settings: Settings) -> bytes | None:
    """CALLER_HASH_SECRET, else STREAM_TOKEN_SECRET, else TWILIO_AUTH_TOKEN (each instance derives the
    same key, so one caller counts once across instances); None when none is set: no per-caller count."""
    secret = settings.caller_hash_secret or settings.stream_token_secret or settings.twilio_auth_token
    return derive_key(secret.get_secret_value()) if secret else None


@dataclass(frozen=True)
class WebConfig:
    """The web service's own limits and Twilio-facing values (the bridge's are in BridgeConfig)."""

    database_url: str
    public_base_url: str | None
    dispatcher_number: str | None
    max_concurrent_calls: int
    max_call_seconds: float
    media_idle_seconds: float
    media_start_seconds: float
    metrics_token: str | None = field(repr=False)  # the signatures and stream tokens: `ivr.web.gate.Gate`

    @classmethod
    def from_settings(cls, settings: Settings) -> WebConfig:
        return cls(
            database_url=settings.database_url,
            public_base_url=settings.public_base_url,
            dispatcher_number=settings.dispatcher_number,
            max_concurrent_calls=settings.max_concurrent_calls,
            max_call_seconds=settings.max_call_seconds,
            media_idle_seconds=settings.media_idle_seconds,
            media_start_seconds=settings.media_start_seconds,
            metrics_token=_secret(settings.metrics_token),
        )


@dataclass(frozen=True)
class ConsoleConfig:
    """The console's sessions, sign-in throttling and uploads (ivr/console). `secure_cookies` follows
    PUBLIC_BASE_URL: a browser only ever reaches an https deployment over https."""

    idle_minutes: int
    secure_cookies: bool
    max_failures_per_name: int
    max_failures_per_address: int
    failure_window_seconds: int
    upload_max_bytes: int
    trusted_proxies: str
    depot_id: str
    timezone: str
    search: SearchConfig
    demo: bool = False  # `ivr demo --serve`: shows the demo call button

    @classmethod
    def from_settings(cls, settings: Settings, *, demo: bool = False) -> ConsoleConfig:
        return cls(
            idle_minutes=settings.console_idle_minutes,
            secure_cookies=(settings.public_base_url or "").startswith("https://"),
            max_failures_per_name=settings.console_login_max_failures,
            max_failures_per_address=settings.console_login_max_failures_per_address,
            failure_window_seconds=settings.console_login_window_seconds,
            upload_max_bytes=settings.console_upload_max_bytes,
            trusted_proxies=settings.trusted_proxies,
            depot_id=settings.depot_id,
            timezone=settings.timezone,
            search=SearchConfig.from_settings(settings),
            demo=demo,
        )



@dataclass(frozen=True)
class SummaryConfig:
    """The office summary's model and how to reach it: Azure OpenAI when its endpoint and key are set,
    else OpenAI with its key; neither, or no model, means no summaries."""

    model: str  # the model, or the deployment on Azure OpenAI; "" = no summaries
    timeout_seconds: float
    openai_api_key: str | None = field(repr=False)
    openai_base_url: str | None
    azure_endpoint: str | None
    azure_api_key: str | None = field(repr=False)
    azure_api_version: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SummaryConfig:
        return cls(settings.summary_model, settings.summary_timeout_seconds, _secret(settings.openai_api_key),
                   settings.openai_base_url, settings.azure_openai_endpoint, _secret(settings.azure_openai_api_key),
                   settings.azure_openai_api_version)


@dataclass(frozen=True)
class SmsConfig:
    """The depot's switch for the SMS to the driver, who sends it, and where Twilio reports its delivery."""

    enabled: bool
    from_number: str | None  # E.164 ...
    messaging_service_sid: str | None  # ... or a Messaging Service
    account_sid: str | None
    auth_token: str | None = field(repr=False)
    public_base_url: str | None  # the delivery reports' callback is PUBLIC_BASE_URL + /twilio/sms-status

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsConfig:
        return cls(settings.sms_enabled, settings.sms_from, settings.sms_messaging_service_sid,
                   settings.twilio_account_sid, _secret(settings.twilio_auth_token), settings.public_base_url)


@dataclass(frozen=True)
class AfterCallConfig:
    """The after-call work (ivr/aftercall): what it makes, and how its queue retries and runs."""

    summary: SummaryConfig
    sms: SmsConfig
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    poll_seconds: float
    concurrency: int

    @classmethod
    def from_settings(cls, settings: Settings) -> AfterCallConfig:
        return cls(
            summary=SummaryConfig.from_settings(settings),
            sms=SmsConfig.from_settings(settings),
            max_attempts=settings.aftercall_max_attempts,
            backoff_seconds=settings.aftercall_backoff_seconds,
            backoff_max_seconds=settings.aftercall_backoff_max_seconds,
            poll_seconds=settings.aftercall_poll_seconds,
            concurrency=settings.aftercall_concurrency,
        )


@dataclass(frozen=True)
class DeskConfig:
    """The dispatch desk's opening hours as written (ivr/opening_hours parses them; Settings has
    already refused a bad one), and the zone they are in."""

    hours: str  # DISPATCH_HOURS; "" = always open
    closed_dates: str  # DISPATCH_CLOSED_DATES
    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings) -> DeskConfig:
        return cls(settings.dispatch_hours, settings.dispatch_closed_dates, settings.timezone)

def vad_preset(settings: Settings) -> VadPreset:
    """VAD_PRESET with any single VAD_* value overridden."""
    return resolve_preset(
        settings.vad_preset,
        {
            "threshold": settings.vad_threshold,
            "prefix_padding_ms": settings.vad_prefix_padding_ms,
            "silence_duration_ms": settings.vad_silence_duration_ms,
            "max_output_tokens": settings.vad_max_output_tokens,
            "speak_delay_ms": settings.vad_speak_delay_ms,
            "response_cooldown_ms": settings.vad_response_cooldown_ms,
        },
    )
