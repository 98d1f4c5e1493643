"""N concurrent simulated calls through the bridge, real-time 20 ms frames both ways.

    .venv/bin/python -m bench.bench_calls --calls 200 --seconds 10

Three processes, so the figures belong to the service alone: the service (`ivr` web app and
bridges), the Realtime stand-in, and the callers (this process). Every frame carries its send
time (CLOCK_MONOTONIC is shared by processes) and a sequence number, so the receiving side
measures the latency through the service (two socket hops plus the bridge: an upper bound of what
the bridge adds) and counts lost frames. CPU per call is the service's user+system time divided
by calls and call-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FRAME = 160


def _stamp(seq: int) -> bytes:
    return struct.pack("<qI", time.monotonic_ns(), seq) + b"\xff" * (FRAME - 12)


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _latency_ms(frame: bytes) -> float:
    sent_ns, _ = struct.unpack_from("<qI", frame)
    return (time.monotonic_ns() - sent_ns) / 1e6


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return statistics.median(values), pick(0.99), values[-1]


# ----- child: the Realtime stand-in ---------------------------------------------------------------
async def _standin_main(port_file: Path, stats_file: Path, seconds: float) -> None:
    from ivr.sim.realtime_standin import RealtimeStandin, Say, Script, StandinSession

    latencies: list[float] = []
    received = 0

    def on_session(session: StandinSession) -> None:
        def on_append(audio_b64: str) -> None:
            nonlocal received
            received += 1
            latencies.append(_latency_ms(base64.b64decode(audio_b64[:24])))

        session._on_append = on_append

    script = lambda: Script(  # noqa: E731
        greeting=Say("bench", audio=b"\xff" * int(seconds * 8000)), chunk_ms=20, realtime=True, stamp=True, vad=False
    )
    standin = RealtimeStandin(script)
    standin.on_session = on_session
    await standin.start()
    _write(port_file, str(standin.port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(sys.stdin.fileno(), stop.set)  # the parent closes our stdin to stop us
    await stop.wait()
    _write(stats_file, json.dumps({"received": received, "latencies": latencies}))
    await standin.close()


# ----- child: the service ----------------------------------------------------------------------------
async def _service_main(port_file: Path, realtime_url: str, db: str, calls: int) -> None:
    import logging

    from ivr.sim.harness import sim_settings, start_service
    from ivr.sim.scripted_conversation import ScriptedFactory

    logging.basicConfig(level=logging.WARNING)
    settings = sim_settings(realtime_url, database_url=db, max_concurrent_calls=calls + 10, log_level="WARNING")
    service = await start_service(settings, ScriptedFactory())
    _write(port_file, service.url.rsplit(":", 1)[1])
    stop = asyncio.Event()
    asyncio.get_running_loop().add_reader(sys.stdin.fileno(), stop.set)
    await stop.wait()
    await service.close()


# ----- parent: the callers -----------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.bench_calls", *args], stdin=subprocess.PIPE)


async def _wait_file(path: Path, proc: subprocess.Popen[bytes]) -> str:
    for _ in range(300):
        text = _read(path)
        if text:
            return text
        if proc.poll() is not None:
            raise SystemExit(f"child exited with {proc.returncode}")
        await asyncio.sleep(0.05)
    raise SystemExit(f"child did not start ({path.name})")


async def _one_call(url: str, seconds: float, out: dict[str, Any], ramp_delay: float) -> None:
    import aiohttp

    from ivr.sim.harness import SIM_AUTH_TOKEN, SIM_PUBLIC_BASE
    from ivr.sim.twilio_caller import TwilioCaller

    await asyncio.sleep(ramp_delay)
    got: list[float] = []
    caller = TwilioCaller(
        url,
        auth_token=SIM_AUTH_TOKEN,
        public_base_url=SIM_PUBLIC_BASE,
        session=out["session"],
        on_media=lambda audio: got.append(_latency_ms(audio)),
    )
    resp = await caller.dial()
    if resp.status != 200:
        out["failed"] += 1
        return
    try:
        await caller.connect()
    except aiohttp.ClientError:
        out["failed"] += 1
        return
    start = time.monotonic()
    n = int(seconds * 50)
    for seq in range(n):
        await caller.send_frame(_stamp(seq))
        delay = start + (seq + 1) * 0.02 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    out["sent"] += n
    await asyncio.sleep(0.5)  # let the last frames and marks arrive
    out["media_in"] += len(got)
    out["latency_out"].extend(got[5:])  # the first frames include session set-up
    out["marks"] += len(caller.playout.played_marks)
    await caller.hangup()


async def _parent(calls: int, seconds: float, ramp: float) -> None:
    import aiohttp

    tmp = Path(tempfile.mkdtemp(prefix="bench_calls_"))
    standin = _spawn("--role", "standin", "--tmp", str(tmp), "--seconds", str(seconds))
    realtime_port = await _wait_file(tmp / "standin.port", standin)
    db = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    service = _spawn("--role", "service", "--tmp", str(tmp), "--realtime-url", f"ws://127.0.0.1:{realtime_port}/v1",
                     "--db", db, "--calls", str(calls))
    service_port = await _wait_file(tmp / "service.port", service)
    url = f"http://127.0.0.1:{service_port}"
    connector = aiohttp.TCPConnector(limit=0)
    out: dict[str, Any] = {"sent": 0, "media_in": 0, "marks": 0, "failed": 0, "latency_out": [],
                           "session": aiohttp.ClientSession(connector=connector)}
    cpu0, t0 = _cpu_seconds(service.pid), time.monotonic()
    await asyncio.gather(*(_one_call(url, seconds, out, ramp * i / calls) for i in range(calls)))
    cpu1, t1 = _cpu_seconds(service.pid), time.monotonic()
    await out["session"].close()
    for proc in (service, standin):
        assert proc.stdin is not None
        proc.stdin.close()
    service.wait(20)
    standin.wait(20)
    stats = json.loads((tmp / "standin.json").read_text())
    lat_in = stats["latencies"]
    expected_out = (calls - out["failed"]) * int(seconds * 50)
    p50i, p99i, maxi = _percentiles(lat_in)
    p50o, p99o, maxo = _percentiles(out["latency_out"])
    cpu = cpu1 - cpu0
    print(f"calls={calls} seconds={seconds} failed_to_connect={out['failed']} wall={t1 - t0:.1f}s")
    print(f"service CPU: {cpu:.1f}s total, {cpu / calls * 1000:.1f} ms per call, "
          f"{cpu / (calls * seconds) * 100:.2f}% of a core per concurrent call")
    print(f"caller->model frames: sent={out['sent']} received={stats['received']} "
          f"lost={out['sent'] - stats['received']}  latency p50={p50i:.2f}ms p99={p99i:.2f}ms max={maxi:.1f}ms")
    print(f"model->caller frames: expected~{expected_out} received={out['media_in']} "
          f"marks echoed={out['marks']}  latency p50={p50o:.2f}ms p99={p99o:.2f}ms max={maxo:.1f}ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each call")
    parser.add_argument("--ramp", type=float, default=3.0, help="seconds over which calls start")
    parser.add_argument("--role", choices=["parent", "standin", "service"], default="parent", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--realtime-url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from ivr.commands.serve import event_loop_factory

    uv = event_loop_factory()  # the simulators use uvloop when present, so they are not the bottleneck
    if args.role == "standin":
        with asyncio.Runner(loop_factory=uv) as runner:
            runner.run(_standin_main(Path(args.tmp) / "standin.port", Path(args.tmp) / "standin.json", args.seconds))
    elif args.role == "service":
        service_loop = None if os.environ.get("BENCH_NO_UVLOOP") else uv  # as `ivr serve` runs

        def run() -> None:
            with asyncio.Runner(loop_factory=service_loop) as runner:
                runner.run(_service_main(Path(args.tmp) / "service.port", args.realtime_url, args.db, args.calls))

        if os.environ.get("BENCH_PROFILE"):  # where the service's CPU goes: a pstats file at this path
            import cProfile

            cProfile.runctx("run()", globals(), {"run": run}, os.environ["BENCH_PROFILE"])
        else:
            run()
    else:
        with asyncio.Runner(loop_factory=uv) as runner:
            runner.run(_parent(args.calls, args.seconds, args.ramp))

if __name__ == "__main__":
    main()
