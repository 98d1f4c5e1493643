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
    """What the conversation needs besides the database: its depot, clock zone, turn mode and search."""

    depot_id: str
    timezone: str
    turn_mode: str
    search: SearchConfig

    @classmethod
    def from_settings(cls, settings: Settings) -> GuidanceConfig:
        return cls(settings.depot_id, settings.timezone, settings.turn_mode, SearchConfig.from_settings(settings))


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
