"""The side-by-side yardsticks carry every frame both ways.

A pass-through that dropped or never forwarded frames would spend almost no CPU, and the
service would look costly beside it; the benchmark's ratio is only worth something if both
pass-throughs really bridge the audio. Each runs here with the benchmark's own callers and
Realtime stand-in, on both of its Realtime sockets.
"""

from __future__ import annotations

import time

import aiohttp
import pytest

from bench.call_callers import CallerTally, run_call
from bench.call_standin import LoadStandin
from bench.passthrough_bridge import PassthroughBridge

FRAMES = 25
CALLS = 2


@pytest.mark.parametrize("link", ["aiohttp", "sdk"])
async def test_the_pass_through_bridges_every_frame_both_ways(link: str) -> None:
    standin = await LoadStandin(FRAMES).start()
    bridge = await PassthroughBridge(f"ws://127.0.0.1:{standin.port}/v1", link).start()
    tally = CallerTally()
    try:
        async with aiohttp.ClientSession() as session:
            start = time.monotonic()
            for i in range(CALLS):
                await run_call(session, f"http://127.0.0.1:{bridge.port}", frames=FRAMES, start_at=start + i * 0.01,
                               drain_s=5.0, tally=tally)
    finally:
        await bridge.close()
        await standin.close()
    assert (tally.calls_ok, tally.failed) == (CALLS, 0)
    assert standin.sessions == CALLS
    assert standin.received == CALLS * FRAMES  # every caller frame reached the model
    assert tally.media_in == CALLS * FRAMES  # every model frame reached the caller
    assert standin.deltas_sent == CALLS * FRAMES


def test_an_unknown_socket_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Realtime socket"):
        PassthroughBridge("ws://127.0.0.1:9/v1", "websockets")
