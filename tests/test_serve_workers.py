"""`ivr serve --workers 2`: one port, two processes, one set of metrics summed over both."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import aiohttp
from process_support import serving, until
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.multiprocess import MultiProcessCollector

from ivr.bridge.metrics import BridgeMetrics
from ivr.web.drain import Drain, DrainPolicy

REJECTED = "ivr_calls_rejected_total"  # every unsigned webhook is counted, whatever the reason (signature, limiter)


def test_every_gauge_says_how_the_workers_values_combine() -> None:
    """A gauge left at prometheus_client's default ("all") would report one series per worker pid,
    dead workers' included, instead of the instance's value."""
    registry = CollectorRegistry()
    gauges = [m for m in vars(BridgeMetrics(registry)).values() if isinstance(m, Gauge)]
    gauges.append(Drain(DrainPolicy(1, 1), registry).gauge)
    modes = {g._name: g._multiprocess_mode for g in gauges}
    assert modes == {"ivr_calls_active": "livesum", "ivr_draining": "livemax"}


def per_worker_rejections(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own count of refused requests, read from its file (named by its pid)."""
    return {
        path.stem.removeprefix("counter_"): sum(
            s.value for metric in MultiProcessCollector.merge([str(path)]) for s in metric.samples if s.name == REJECTED
        )
        for path in metrics_dir.glob("counter_*.db")
    }


def scraped(text: str, name: str) -> float:
    """The sum of a metric's series in a scrape (over its labels)."""
    values = re.findall(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    assert values, f"{name} missing from /metrics"
    return sum(float(v) for v in values)


async def test_metrics_are_summed_over_two_workers(db_url: str, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale: an earlier run's file")  # must not be counted
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    async with serving(db_url, tmp_path, workers=2, environ=environ) as (_, server):
        assert not (metrics_dir / "counter_999999.db").exists(), "files of an earlier run are removed at start"
        sent = 0
        # A new connection per request: the kernel hands each to whichever worker accepts first.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            while len([v for v in per_worker_rejections(metrics_dir).values() if v > 0]) < 2:
                assert sent < 2000, "every request went to one worker"
                async with http.post(server.url + "/twilio/voice", data={"CallSid": "CA0"}) as resp:
                    assert resp.status in (403, 429)  # unsigned: refused, then its source blocked
                sent += 1
            per_worker = per_worker_rejections(metrics_dir)
            assert len(per_worker) == 2 and sum(per_worker.values()) == sent

            for _ in range(6):  # whichever worker answers the scrape, it reports both
                text = await server.metrics(http)
                assert scraped(text, REJECTED) == sent
                assert scraped(text, "ivr_calls_active") == 0
                assert scraped(text, "ivr_draining") == 0
        server.terminate()
        assert await server.wait_exit(20) == 0
    assert list(metrics_dir.glob("*.db")) == [], "the operator's directory is emptied at exit"
    assert "Booting worker" in server.log() and server.log().count("ready") >= 2


def metrics_dirs(parent: Path) -> list[Path]:
    return list(parent.glob("ivr-metrics-*"))


async def test_serve_makes_and_removes_its_own_metrics_directory(db_url: str, tmp_path: Path) -> None:
    async with serving(db_url, tmp_path, workers=2, environ={"TMPDIR": str(tmp_path)}) as (_, server):
        made = await until(lambda: metrics_dirs(tmp_path), 5, "the metrics directory")
        assert list(made[0].glob("counter_*.db"))
        server.terminate()
        assert await server.wait_exit(20) == 0
    assert metrics_dirs(tmp_path) == []


async def test_a_worker_that_stops_leaves_the_instance_metrics_whole(db_url: str, tmp_path: Path) -> None:
    """A worker is replaced (SIGTERM to it alone, as gunicorn does on SIGHUP or SIGTTOU): its counts
    stay in the sum, its live gauges go, and the other worker's files are untouched."""
    metrics_dir = tmp_path / "metrics"
    async with serving(db_url, tmp_path, workers=2, environ={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}) as (
            _, server):
        workers = await until(lambda: live_workers(metrics_dir) if len(live_workers(metrics_dir)) == 2 else None,
                              20, "both workers")
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            for _ in range(10):
                async with http.post(server.url + "/twilio/voice", data={"CallSid": "CA0"}) as resp:
                    assert resp.status in (403, 429)
            gone = workers[0]
            os.kill(gone, signal.SIGTERM)
            await until(lambda: gone not in live_workers(metrics_dir) and len(live_workers(metrics_dir)) == 2,
                        20, "the worker's replacement")
            assert workers[1] in live_workers(metrics_dir)
            for _ in range(4):
                assert scraped(await server.metrics(http), REJECTED) == 10
        assert server.proc.returncode is None


def live_workers(metrics_dir: Path) -> list[int]:
    """Workers with live gauges (`ivr_calls_active` is one): their files go when they exit."""
    return sorted(int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("gauge_livesum_*.db"))
