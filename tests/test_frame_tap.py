"""The frame tap: hot frames handled as they are read, everything else to aiohttp, in order.

First through small fakes (a transport that records, a protocol that stands for aiohttp's), then
on real sockets: an aiohttp server whose socket is tapped before its 101, and the service's
Realtime client link, whose tap takes the bytes that came with the 101.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import WSMsgType, web

from ivr.bridge.frame_tap import FrameTap, TappedReceiver, frame, take_client_stash
from ivr.bridge.realtime_client import (
    AiohttpConnector,
    AiohttpRealtimeLink,
    RealtimeConfig,
    RealtimeDropped,
    masked_text_frame,
)
from ivr.sim.local_site import start_local_site


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.protocol: asyncio.BaseProtocol | None = None
        self.aborted = False

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def abort(self) -> None:
        self.aborted = True


class _Inner(asyncio.Protocol):
    """Stands for aiohttp's protocol: keeps the bytes the tap passes on."""

    def __init__(self) -> None:
        self.data = b""
        self.lost: list[Exception | None] = []

    def data_received(self, data: bytes) -> None:
        self.data += data

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.append(exc)


def _text(obj: dict[str, Any]) -> bytes:
    return orjson.dumps(obj)


def _masked(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A frame as a client sends it (masked), as Twilio's frames reach the service."""
    key = b"\x01\x02\x03\x04"
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    n = len(payload)
    head = bytes(((0x80 if fin else 0) | opcode,))
    head += bytes((0x80 | n,)) if n < 126 else struct.pack("!BH", 0x80 | 126, n)
    return head + key + masked


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, payload) of the unmasked frames in `data`."""
    out, i = [], 0
    while i < len(data):
        opcode, n = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n, i = struct.unpack("!H", data[i:i + 2])[0], i + 2
        elif n == 127:
            n, i = struct.unpack("!Q", data[i:i + 8])[0], i + 8
        out.append((opcode, data[i:i + n]))
        i += n
    return out


@pytest.fixture
async def tapped() -> tuple[FrameTap, _Transport, _Inner]:
    transport, inner = _Transport(), _Inner()
    return FrameTap(transport, inner, max_msg_size=1 << 16), transport, inner


async def test_hot_frames_are_handled_in_the_read_and_never_reach_aiohttp(tapped: Any) -> None:
    tap, transport, inner = tapped
    assert transport.protocol is tap
    seen: list[bytes] = []
    tap.on_text = lambda data: seen.append(data) is None
    tap.data_received(_masked(0x1, b'{"event":"media"}') + _masked(0x1, b'{"event":"mark"}'))
    assert seen == [b'{"event":"media"}', b'{"event":"mark"}']
    assert inner.data == b"" and tap.fast == 2


async def test_declined_frames_go_to_aiohttp_and_hold_later_frames_until_handled(tapped: Any) -> None:
    tap, _, inner = tapped
    tap.on_text = lambda data: b"stop" not in data
    stream = [_text({"event": "media", "n": 1}), _text({"event": "stop"}), _text({"event": "media", "n": 2})]
    tap.data_received(b"".join(_masked(0x1, s) for s in stream))
    # the `stop` waits for its consumer, so the media after it must not overtake it
    assert _frames(inner.data) == [(0x1, stream[1]), (0x1, stream[2])]
    assert tap.held == 2 and tap.fast == 1
    tap.handled()
    tap.handled()
    inner.data = b""
    tap.data_received(_masked(0x1, _text({"event": "media", "n": 3})))
    assert inner.data == b"" and tap.fast == 2


async def test_control_frames_reach_aiohttp_whatever_the_handler(tapped: Any) -> None:
    tap, _, inner = tapped
    tap.on_text = lambda data: True
    tap.data_received(_masked(0x9, b"ping-1") + _masked(0x8, struct.pack("!H", 1000) + b"bye"))
    assert _frames(inner.data) == [(0x9, b"ping-1"), (0x8, struct.pack("!H", 1000) + b"bye")]


async def test_a_message_in_fragments_is_offered_once_whole(tapped: Any) -> None:
    tap, _, _ = tapped
    seen: list[bytes] = []
    tap.on_text = lambda data: seen.append(data) is None
    tap.data_received(_masked(0x1, b'{"event":', fin=False))
    tap.data_received(_masked(0x0, b'"media"}'))
    assert seen == [b'{"event":"media"}']


async def test_a_frame_split_across_reads_is_put_back_together(tapped: Any) -> None:
    tap, _, _ = tapped
    seen: list[bytes] = []
    tap.on_text = lambda data: seen.append(data) is None
    wire = _masked(0x1, _text({"event": "media", "payload": "A" * 300}))
    for i in range(0, len(wire), 7):
        tap.data_received(wire[i:i + 7])
    assert seen == [_text({"event": "media", "payload": "A" * 300})]


async def test_a_handler_that_fails_loses_that_frame_only(tapped: Any) -> None:
    tap, transport, inner = tapped
    seen: list[bytes] = []

    def handler(data: bytes) -> bool:
        if b"bad" in data:
            raise KeyError("bad")
        seen.append(data)
        return True

    tap.on_text = handler
    tap.data_received(_masked(0x1, b'"bad"') + _masked(0x1, b'"good"'))
    assert seen == [b'"good"'] and inner.data == b"" and not transport.aborted


async def test_a_protocol_error_aborts_the_connection(tapped: Any) -> None:
    tap, transport, _ = tapped
    tap.on_text = lambda data: True
    tap.data_received(bytes((0x83, 0x80)) + b"\0\0\0\0")  # opcode 3 is reserved
    assert transport.aborted and tap.failed


async def test_the_end_of_the_connection_reaches_aiohttp(tapped: Any) -> None:
    tap, _, inner = tapped
    tap.connection_lost(None)
    assert inner.lost == [None]


def test_a_client_protocol_without_the_post_upgrade_stash_is_refused() -> None:
    class NotAiohttps:
        pass

    with pytest.raises(TypeError):
        take_client_stash(NotAiohttps())


def test_client_frames_are_masked_and_carry_the_payload() -> None:
    payload = _text({"type": "input_audio_buffer.append", "audio": "A" * 300})
    wire = masked_text_frame(payload)
    assert wire[0] == 0x81 and wire[1] == 0x80 | 126
    n = struct.unpack("!H", wire[2:4])[0]
    key, body = wire[4:8], wire[8:]
    assert n == len(payload) == len(body)
    assert bytes(b ^ key[i % 4] for i, b in enumerate(body)) == payload
    assert body != payload


# ----- on real sockets ----------------------------------------------------------------------------


async def test_a_tapped_server_socket_answers_pings_and_closes_cleanly() -> None:
    hot: list[bytes] = []
    consumed: list[str] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, decode_text=False)
        assert request.transport is not None
        tap = FrameTap(request.transport, request.protocol, max_msg_size=1 << 16)
        receiver = TappedReceiver(ws, tap)
        tap.on_text = lambda data: b"hot" in data and hot.append(data) is None
        await ws.prepare(request)
        while True:
            msg = await receiver.receive()
            if msg.type is not WSMsgType.TEXT:
                break
            consumed.append(msg.data.decode())
            await ws.send_str(f"got {msg.data.decode()}")
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner, port = await start_local_site(app)
    try:
        import aiohttp

        async with aiohttp.ClientSession() as session, session.ws_connect(f"http://127.0.0.1:{port}/ws",
                                                                           autoping=False) as ws:
            await ws.send_str("hot 1")
            await ws.send_str("cold 1")
            await ws.send_str("hot 2")  # after a cold one: goes to the consumer, in order
            assert (await ws.receive()).data == "got cold 1"
            assert (await ws.receive()).data == "got hot 2"
            await ws.send_str("hot 3")  # the consumer is done: hot again
            await ws.ping(b"are you there")
            pong = await ws.receive()
            assert pong.type is WSMsgType.PONG and pong.data == b"are you there"
            await ws.close()
            assert ws.close_code == 1000
        assert hot == [b"hot 1", b"hot 3"]
        assert consumed == ["cold 1", "hot 2"]
    finally:
        await runner.cleanup()


@pytest.fixture
async def realtime_server() -> AsyncIterator[tuple[int, list[Any]]]:
    """A Realtime-like server: sends `session.created` and a burst of events in one write with its 101."""
    received: list[Any] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        burst = [{"type": "session.created"}, {"type": "response.output_audio.delta", "delta": "AAAA"},
                 {"type": "response.created"}, {"type": "response.output_audio.delta", "delta": "BBBB"}]
        assert request.transport is not None
        request.transport.write(b"".join(frame(0x1, orjson.dumps(e)) for e in burst))
        async for msg in ws:
            received.append(orjson.loads(msg.data))
            if msg.data == '{"type":"ivr.more"}':
                await ws.send_str(orjson.dumps({"type": "response.output_audio.delta", "delta": "CCCC"}).decode())
        return ws

    app = web.Application()
    app.router.add_get("/v1/realtime", handler)
    runner, port = await start_local_site(app)
    try:
        yield port, received
    finally:
        await runner.cleanup()


async def test_the_realtime_link_keeps_order_between_listened_and_received_events(realtime_server: Any) -> None:
    port, received = realtime_server
    connector = AiohttpConnector(RealtimeConfig(model="m", api_key="sk", websocket_url=f"ws://127.0.0.1:{port}/v1"))
    order: list[str] = []
    try:
        link = await connector()
        assert isinstance(link, AiohttpRealtimeLink)

        def hot(event: dict[str, Any]) -> bool:
            if event["type"] != "response.output_audio.delta":
                return False
            order.append("hot " + event["delta"])
            return True

        link.listen(hot)
        # Everything in the burst came with the 101, before `listen`: all of it comes out of recv, in order.
        for _ in range(4):
            event = await link.recv()
            assert event is not None
            order.append(event["type"] + " " + event.get("delta", ""))
        # The consumer asks for the next event once done with the last: from then on, audio is hot.
        waiting = asyncio.ensure_future(link.recv())
        await asyncio.sleep(0)
        link.send_now({"type": "ivr.more"})
        await link.send({"type": "ivr.after"})
        for _ in range(100):
            if "hot CCCC" in order and len(received) == 2:
                break
            await asyncio.sleep(0.01)
        assert not waiting.done()
        waiting.cancel()
        assert order == ["session.created ", "response.output_audio.delta AAAA", "response.created ",
                         "response.output_audio.delta BBBB", "hot CCCC"]
        assert received == [{"type": "ivr.more"}, {"type": "ivr.after"}]  # the server unmasked both
        assert link.tap.fast == 1
        await link.close()
        with pytest.raises(RealtimeDropped):
            link.send_now({"type": "ivr.too_late"})
    finally:
        await connector.close()


@pytest.fixture
def tls_context(tmp_path: Any) -> Any:
    """A server certificate made now with openssl (Debian's, on every machine the suite runs on)."""
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_the_client_tap_works_over_tls(tls_context: Any) -> None:
    """The Realtime service is reached over wss: the tap sits on the TLS transport's plaintext side."""
    import aiohttp

    from ivr.bridge.realtime_client import TappedClientWebSocket

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(orjson.dumps({"type": "session.created"}).decode())
        async for msg in ws:
            await ws.send_str(orjson.dumps({"type": "response.output_audio.delta", "delta": msg.data}).decode())
        return ws

    app = web.Application()
    app.router.add_get("/v1/realtime", handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession(ws_response_class=TappedClientWebSocket) as session:
            ws = await session.ws_connect(f"wss://127.0.0.1:{port}/v1/realtime", ssl=False, decode_text=False)
            assert isinstance(ws, TappedClientWebSocket)
            link = AiohttpRealtimeLink(ws)
            created = await link.recv()
            assert created == {"type": "session.created"}
            hot: list[str] = []
            link.listen(lambda event: hot.append(event["delta"]) is None)
            waiting = asyncio.ensure_future(link.recv())
            await asyncio.sleep(0)
            for n in range(3):
                link.send_now({"n": n})
            for _ in range(200):
                if len(hot) == 3:
                    break
                await asyncio.sleep(0.01)
            assert [orjson.loads(h) for h in hot] == [{"n": 0}, {"n": 1}, {"n": 2}]
            waiting.cancel()
            await link.close()
    finally:
        await runner.cleanup()
