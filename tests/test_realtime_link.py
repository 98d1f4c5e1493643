"""The Realtime socket on aiohttp carries what the openai SDK's own connection carries.

Both links are opened against the Realtime stand-in, for OpenAI's and Azure's URL shapes: the
stand-in sees the same path, query and auth headers from each, the same events go through, and
a normal close, a drop and a refused connection read the same to the bridge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ivr.bridge.realtime_client import (
    AiohttpConnector,
    DirectLink,
    RealtimeConfig,
    RealtimeConnector,
    RealtimeDropped,
    connector_from_settings,
    sdk_connector,
)
from ivr.sim.harness import sim_settings
from ivr.sim.realtime_standin import RealtimeStandin

_COMPARED_HEADERS = ("authorization", "api-key", "user-agent", "openai-organization", "openai-project")


@pytest.fixture
async def standin() -> AsyncIterator[RealtimeStandin]:
    async with RealtimeStandin() as running:
        yield running


def _openai(standin: RealtimeStandin) -> RealtimeConfig:
    return RealtimeConfig(model="gpt-realtime", api_key="sk-sim", websocket_url=standin.url)


def _azure(standin: RealtimeStandin) -> RealtimeConfig:
    return RealtimeConfig(model="gpt-realtime", api_key=None, websocket_url=f"ws://127.0.0.1:{standin.port}/openai",
                          azure_endpoint=standin.azure_endpoint, azure_api_key="az-sim", azure_deployment="ivr-rt")


async def _seen_by_standin(standin: RealtimeStandin, connector: RealtimeConnector) -> tuple[str, dict[str, str],
                                                                                           dict[str, str]]:
    """(path, query, compared headers) of the socket `connector` opens; one event sent and one read."""
    before = len(standin.sessions)
    link = await connector()
    try:
        created = await link.recv()
        assert created is not None and created["type"] == "session.created"
        await link.send({"type": "ivr.probe", "event_id": "ev_probe"})  # the stand-in answers an unknown type
        session = (await standin.wait_sessions(before + 1))[before]
        answer = await link.recv()
        assert answer is not None and answer["type"] == "error" and answer["error"]["event_id"] == "ev_probe"
        assert session.received[-1] == {"type": "ivr.probe", "event_id": "ev_probe"}
    finally:
        await link.close()
        if isinstance(connector, AiohttpConnector):
            await connector.close()
    headers = {k.lower(): v for k, v in session.headers.items() if k.lower() in _COMPARED_HEADERS}
    return session.path, session.query, headers


@pytest.mark.parametrize("shape", ["openai", "azure"])
async def test_aiohttp_link_sends_the_sdk_request(standin: RealtimeStandin, shape: str) -> None:
    config = _openai(standin) if shape == "openai" else _azure(standin)
    by_sdk = await _seen_by_standin(standin, sdk_connector(config))
    by_aiohttp = await _seen_by_standin(standin, AiohttpConnector(config))
    assert by_aiohttp == by_sdk
    path, query, headers = by_aiohttp
    if shape == "openai":
        assert (path, query) == ("/v1/realtime", {"model": "gpt-realtime"})
        assert headers["authorization"] == "Bearer sk-sim"
    else:
        assert (path, query) == ("/openai/realtime", {"api-version": config.azure_api_version, "deployment": "ivr-rt"})
        assert headers["api-key"] == "az-sim"


@pytest.mark.parametrize("socket", ["aiohttp", "sdk"])
async def test_a_normal_close_reads_as_the_end_and_a_drop_as_a_drop(standin: RealtimeStandin, socket: str) -> None:
    connector = connector_from_settings(sim_settings(standin.url, realtime_socket=socket))
    try:
        dropped = await connector()
        ended = await connector()
        assert (await dropped.recv() or {}).get("type") == "session.created"
        assert (await ended.recv() or {}).get("type") == "session.created"
        first, second = await standin.wait_sessions(2)
        await first.ws.close(code=1011, message=b"upstream failed")
        await second.ws.close(code=1000)
        with pytest.raises(RealtimeDropped):
            await dropped.recv()
        assert await ended.recv() is None
        await dropped.close()
        await ended.close()
    finally:
        close = getattr(connector, "close", None)
        if close is not None:
            await close()


@pytest.mark.parametrize("socket", ["aiohttp", "sdk"])
async def test_a_refused_connection_is_a_drop(standin: RealtimeStandin, socket: str) -> None:
    standin.refuse_new = True
    connector = connector_from_settings(sim_settings(standin.url, realtime_socket=socket))
    try:
        with pytest.raises(RealtimeDropped):
            await connector()
    finally:
        close = getattr(connector, "close", None)
        if close is not None:
            await close()


async def test_sending_on_a_closed_socket_is_a_drop(standin: RealtimeStandin) -> None:
    connector = AiohttpConnector(_openai(standin))
    try:
        link = await connector()
        assert (await link.recv() or {}).get("type") == "session.created"
        (session,) = await standin.wait_sessions(1)
        await session.ws.close(code=1011)
        with pytest.raises(RealtimeDropped):
            await link.recv()
        with pytest.raises(RealtimeDropped):
            await link.send({"type": "input_audio_buffer.clear"})
    finally:
        await connector.close()


async def test_the_default_socket_is_direct_and_the_sdks_is_not(standin: RealtimeStandin) -> None:
    """Audio goes through the default link without a task in between (ivr/bridge/frame_tap.py); the
    SDK's link keeps the awaited path (`AudioPath.up_now` declines and `up` takes the payload)."""
    direct = connector_from_settings(sim_settings(standin.url))
    fallback = connector_from_settings(sim_settings(standin.url, realtime_socket="sdk"))
    links = [await direct(), await fallback()]
    try:
        assert isinstance(links[0], DirectLink)
        assert not isinstance(links[1], DirectLink)
    finally:
        for link in links:
            await link.close()
        if isinstance(direct, AiohttpConnector):
            await direct.close()
