"""Settings from the environment (and an optional `.env`), validated once at start.

A bad value must stop the process with a message naming the variable, before any call is
answered: a typo in `TURN_MODE` discovered on a live call is a driver left in silence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ivr.log_setup import parse_log_levels
from ivr.opening_hours.closures import parse_closures
from ivr.opening_hours.timetable import parse_timetable
from ivr.redact import redact
from ivr.web.client_address import parse_networks

SUPPORTED_DB_SCHEMES = ("postgresql+asyncpg", "sqlite+aiosqlite")


class SettingsError(Exception):
    """Raised with a human message naming every bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./ivr.db"

    # Realtime model: OpenAI, or Azure OpenAI when the Azure endpoint is set.
    openai_api_key: SecretStr | None = None
    openai_realtime_model: str = "gpt-realtime"
    openai_realtime_url: str | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_api_key: SecretStr | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str = "2025-08-28"
    realtime_voice: str = "marin"
    transcription_model: str = "gpt-4o-transcribe"

    # Twilio
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    public_base_url: str | None = None
    dispatcher_number: str | None = None
    twilio_api_base_url: str | None = None  # Twilio's REST API elsewhere: a local stand-in (tests, simulations)

    # Destination search: absent endpoint = the embedded backend.
    azure_search_endpoint: str | None = None
    azure_search_key: SecretStr | None = None
    azure_search_index: str = "destinations"

    # Conversation
    turn_mode: Literal["turn", "barge_in"] = "barge_in"
    vad_preset: Literal["standard", "noisy", "slow_speakers", "brisk", "elderly"] = "standard"
    # Any single VAD preset value, overridden (unset = the preset's value).
    vad_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    vad_prefix_padding_ms: int | None = Field(default=None, ge=0)
    vad_silence_duration_ms: int | None = Field(default=None, ge=0)
    vad_max_output_tokens: int | None = Field(default=None, ge=1)
    vad_speak_delay_ms: int | None = Field(default=None, ge=0)
    vad_response_cooldown_ms: int | None = Field(default=None, ge=0)
    # Call limits (the media bridge).
    twilio_webhook_signing_key: SecretStr | None = None  # SharedKey secret for HMAC_SHA256 webhooks
    max_concurrent_calls: int = Field(default=300, ge=1)
    max_call_seconds: int = Field(default=900, ge=10)
    media_idle_seconds: float = Field(default=15.0, gt=0)
    stream_token_ttl_seconds: float = Field(default=30.0, gt=0)
    tool_timeout_seconds: float = Field(default=8.0, gt=0)
    # SIGTERM: calls go on this long, then are handed to the dispatcher (ivr/web/drain.py).
    drain_seconds: float = Field(default=300.0, ge=0)
    # Call records the database could not take before the process exited (ivr/records/spool.py).
    spool_dir: Path = Path("./spool")
    depot_id: str = "default"
    timezone: str = "Asia/Tokyo"

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Third-party loggers stay at WARNING whatever LOG_LEVEL says, unless named here:
    # "websockets=DEBUG,openai=INFO" (their DEBUG lines quote frames: transcripts, tool output).
    log_levels: str = ""

    # The ways in (see docs in README "Security"): the one signature algorithm accepted, the key
    # stream tokens are signed with, the proxies whose X-Forwarded-For is believed, /metrics.
    twilio_signature_algorithm: Literal["sha1", "sha256"] = "sha1"
    # While a rotation rolls out, the secret being replaced is accepted too (docs/security.md).
    twilio_auth_token_previous: SecretStr | None = None
    twilio_webhook_signing_key_previous: SecretStr | None = None
    stream_token_secret: SecretStr | None = None  # unset: derived from TWILIO_AUTH_TOKEN
    trusted_proxies: str = ""  # comma-separated IPs or CIDRs, e.g. "10.0.0.0/23" (Azure's environment subnet)
    media_start_seconds: float = Field(default=3.0, gt=0, le=30)  # `start` must arrive this soon after the upgrade
    metrics_token: SecretStr | None = None  # /metrics needs "Authorization: Bearer <token>"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # /metrics (only) on its own listener

    # After the call (ivr/aftercall, docs/after-call.md): summaries, the SMS to the driver, retries.
    summary_model: str = "gpt-4.1-mini"  # the model, or the deployment name on Azure OpenAI; "" = no summaries
    openai_base_url: str | None = None  # the HTTP API's base URL (a local stand-in in tests)
    summary_timeout_seconds: float = Field(default=30.0, gt=0)
    sms_enabled: bool = False  # the depot's switch for the SMS to the driver
    sms_from: str | None = None  # the Twilio number the SMS comes from (E.164) ...
    sms_messaging_service_sid: str | None = None  # ... or a Messaging Service
    aftercall_max_attempts: int = Field(default=6, ge=1, le=50)
    aftercall_backoff_seconds: float = Field(default=30.0, gt=0)
    aftercall_backoff_max_seconds: float = Field(default=1800.0, gt=0)
    aftercall_poll_seconds: float = Field(default=2.0, gt=0)
    aftercall_concurrency: int = Field(default=4, ge=1, le=64)
    # The dispatch desk's opening hours (ivr/opening_hours): empty = always open.
    dispatch_hours: str = ""
    dispatch_closed_dates: str = ""

    # Who may hear a schedule (docs/security.md, "Identification"): failed identification attempts
    # allowed per plate serial and per caller number within the window, across calls and instances;
    # the caller's number is kept as an HMAC under CALLER_HASH_SECRET (unset: derived from
    # STREAM_TOKEN_SECRET, else TWILIO_AUTH_TOKEN).
    lookup_limit_per_plate: int = Field(default=10, ge=1)
    lookup_limit_per_caller: int = Field(default=10, ge=1)
    lookup_limit_window_seconds: int = Field(default=86400, ge=60)
    caller_hash_secret: SecretStr | None = None

    # The dispatchers' console (ivr/console, docs/console.md): sessions end after this long without a
    # request; sign-ins are refused for a while after this many failures per user name and per client
    # address within the window; an uploaded schedule file may be at most this big.
    console_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    console_login_max_failures: int = Field(default=5, ge=1)
    console_login_max_failures_per_address: int = Field(default=20, ge=1)
    console_login_window_seconds: int = Field(default=900, ge=60)
    console_upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme not in SUPPORTED_DB_SCHEMES:
            raise ValueError(f"must start with one of {', '.join(s + '://' for s in SUPPORTED_DB_SCHEMES)}")
        return value

    @field_validator("public_base_url", "openai_realtime_url", "azure_openai_endpoint", "azure_search_endpoint",
                     "twilio_api_base_url", "openai_base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("must be an http(s):// or ws(s):// URL")
        return value.rstrip("/")

    @field_validator("sms_from")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"\+[1-9]\d{6,14}", value.strip()):
            raise ValueError("must be a phone number in E.164 form, e.g. +815012345678")
        return value.strip()

    @field_validator("dispatch_hours", "dispatch_closed_dates")
    @classmethod
    def _desk_hours(cls, value: str, info: ValidationInfo) -> str:
        """Parsed as the desk will parse them, which raises ValueError naming the part at fault."""
        (parse_timetable if info.field_name == "dispatch_hours" else parse_closures)(value)
        return value

    @field_validator("metrics_port", "metrics_token", "stream_token_secret", "twilio_webhook_signing_key",
                     "caller_hash_secret", "twilio_auth_token_previous", "twilio_webhook_signing_key_previous",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`METRICS_TOKEN=` in a .env means no token, not an empty one that an empty bearer would match."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("log_levels")
    @classmethod
    def _levels(cls, value: str) -> str:
        parse_log_levels(value)
        return value

    @field_validator("twilio_signature_algorithm", mode="before")
    @classmethod
    def _algorithm_spelling(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower().removeprefix("hmac_").replace("-", "")
        return value

    @model_validator(mode="after")
    def _one_signing_secret(self) -> Settings:
        """Exactly one algorithm with exactly one secret: a second accepted key is a second way in."""
        if self.twilio_signature_algorithm == "sha256" and not self.twilio_webhook_signing_key:
            raise ValueError("TWILIO_SIGNATURE_ALGORITHM=sha256 needs TWILIO_WEBHOOK_SIGNING_KEY "
                             "(the SharedKey secret)")
        if self.twilio_signature_algorithm == "sha1" and self.twilio_webhook_signing_key:
            raise ValueError("TWILIO_WEBHOOK_SIGNING_KEY is set but TWILIO_SIGNATURE_ALGORITHM is sha1: "
                             "set TWILIO_SIGNATURE_ALGORITHM=sha256, or remove the key")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Asia/Tokyo") from None
        return value

    @field_validator("vad_preset", mode="before")
    @classmethod
    def _preset_spelling(cls, value: object) -> object:
        return value.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(value, str) else value

    @field_validator("turn_mode", mode="before")
    @classmethod
    def _mode_spelling(cls, value: object) -> object:
        return value.strip().lower().replace("-", "_") if isinstance(value, str) else value


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one naming the environment variables."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False, include_context=False):
            name = str(err["loc"][0]) if err["loc"] else ""
            lines.append(f"{name.upper() or 'SETTINGS'}: {err['msg']}{_shown_input(name, err.get('input'))}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None


def _shown_input(field: str, value: object) -> str:
    """What the operator typed, so they can find the mistake; never a secret's value or a URL's password."""
    info = Settings.model_fields.get(field)
    if info is None or "SecretStr" in str(info.annotation):
        return ""
    shown = redact(repr(value))
    return f" (got {shown[:120]}{'…' if len(shown) > 120 else ''})"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once; tests pass explicit Settings instead of relying on this."""
    return load_settings()
