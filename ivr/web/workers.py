"""`ivr serve`'s processes: gunicorn's arbiter running aiohttp's worker, taught to drain on SIGTERM.

Why gunicorn rather than N processes on SO_REUSEPORT: the arbiter is a kept process manager that
already restarts a crashed worker, kills a hung one (heartbeat), forwards signals, waits a bounded
grace period, and changes workers in place (SIGHUP: new workers, the old ones drained; SIGTTIN /
SIGTTOU: one worker more or less). All workers accept on the one listening socket the arbiter
opened, so no connection waits in the queue of a process that is going away.

Signals, to the arbiter (the process `ivr serve` started; PID 1 in a container):
- SIGTERM: graceful stop. Every worker drains (`ivr.web.drain`): `/readyz` 503 at once, calls go
  on up to DRAIN_SECONDS, then are handed over; each worker exits when its last call is gone, the
  arbiter when the last worker is. A worker still running DRAIN_SECONDS + HANDOVER_GRACE_S after
  the signal is killed.
- SIGINT / SIGQUIT: quick stop: open calls are closed at once (their callers fall to the TwiML's
  fallback `<Dial>`).
- SIGHUP: rolling restart of the workers in place (new code, same settings).

aiohttp's worker stops listening and closes every connection on SIGTERM; here SIGTERM starts the
drain instead and the worker keeps serving until it ends, so a webhook or a media socket that
still reaches a draining instance is answered.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import FrameType
from typing import Any

from aiohttp import web
from aiohttp.worker import GunicornUVLoopWebWorker, GunicornWebWorker
from gunicorn.app.base import BaseApplication

from ivr.settings import Settings
from ivr.web.drain import drain_calls
from ivr.web.multiprocess_metrics import use_multiprocess_values, worker_exited

_log = logging.getLogger("ivr.web")
HANDOVER_GRACE_S = 30.0  # after DRAIN_SECONDS: hand-overs (a REST call each, 10 s timeout) and closing
KEEPALIVE_S = 75  # longer than a balancer's idle timeout, so it never reuses a connection being closed


class WorkerApp:
    """Builds the web app inside a worker, after the fork: database pools and clients are per process."""

    def __init__(self, settings: Settings, host: str) -> None:
        self.settings = settings
        self.host = host
        self.app: web.Application | None = None

    async def build(self) -> web.Application:
        from prometheus_client import CollectorRegistry

        from ivr.aftercall import service as aftercall
        from ivr.config import AfterCallConfig, GuidanceConfig
        from ivr.guidance.factory import build_factory
        from ivr.records.keeper import RecordKeeper
        from ivr.records.metrics import RecordMetrics
        from ivr.web.app import create_app
        from ivr.web.heap import freeze_startup_heap
        from schedules.db import make_engine, make_sessionmaker

        use_multiprocess_values()
        engine = make_engine(self.settings.database_url)
        sessionmaker = make_sessionmaker(engine)
        # Summaries and SMS: every worker runs its own loop on the shared queue, off the audio path.
        after = aftercall.build(AfterCallConfig.from_settings(self.settings), sessionmaker,
                                twilio_api_base=self.settings.twilio_api_base_url)
        # One registry for the bridge's metrics and the conversations' identification limits.
        registry = CollectorRegistry()
        # Call records the database could not take yet: held, then spooled at exit, replayed at start.
        records = RecordKeeper(sessionmaker, spool_dir=self.settings.spool_dir, after_call=after.enqueuer,
                               metrics=RecordMetrics(registry))
        factory = build_factory(GuidanceConfig.from_settings(self.settings), sessionmaker,
                                after_call=after.enqueuer, registry=registry, keeper=records)
        app = create_app(self.settings, factory, engine=engine, registry=registry, records=records)
        aftercall.install(app, after)

        async def dispose_engine(_: web.Application) -> None:
            await engine.dispose()

        async def freeze_heap(_: web.Application) -> None:
            freeze_startup_heap()
            _log.info("worker %d ready", os.getpid())

        app.on_cleanup.append(dispose_engine)
        app.on_startup.append(freeze_heap)
        if self.settings.metrics_port is not None:
            app.cleanup_ctx.append(metrics_listener(self.host, self.settings.metrics_port))
        self.app = app
        return app


def metrics_listener(host: str, port: int) -> Callable[[web.Application], AsyncIterator[None]]:
    """METRICS_PORT: /metrics alone on its own port, for a scraper inside the network.

    Every worker listens on it (SO_REUSEPORT, so the kernel spreads scrapes over them); any one
    answers with the whole instance's values, read from the multiprocess directory."""

    async def listen(app: web.Application) -> AsyncIterator[None]:
        from ivr.web.health import create_metrics_app

        runner = web.AppRunner(create_metrics_app(app), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port, reuse_port=True).start()
        _log.info("metrics on %s:%d", host, port)
        yield
        await runner.cleanup()

    return listen


class ServeApplication(BaseApplication):
    """gunicorn configured from `ivr serve`'s flags and settings, never from gunicorn's own files or argv."""

    def __init__(self, settings: Settings, host: str, port: int, workers: int) -> None:
        self.settings = settings
        self.host = host
        self.options = gunicorn_options(settings, host, port, workers)
        self.worker_app: WorkerApp | None = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        self.worker_app = WorkerApp(self.settings, self.host)
        return self.worker_app.build


def gunicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    bind_host = f"[{host}]" if ":" in host else host
    shm = Path("/dev/shm")
    options: dict[str, Any] = {
        "bind": [f"{bind_host}:{port}"],
        "workers": workers,
        "worker_class": f"{__name__}.{worker_class_name()}",
        "graceful_timeout": math.ceil(settings.drain_seconds + HANDOVER_GRACE_S),
        "keepalive": KEEPALIVE_S,
        "accesslog": None,
        # The arbiter's own lines (workers booting and exiting, signals) at INFO, never DEBUG: like
        # every library's, its debug output is not LOG_LEVEL's to turn on (ivr/log_setup.py).
        "loglevel": "info" if settings.log_level.upper() == "DEBUG" else settings.log_level.lower(),
        "proc_name": "ivr",
        "child_exit": _child_exit,
        "control_socket_disable": True,  # gunicorn ≥ 25's control socket: nothing here uses it
    }
    if shm.is_dir() and os.access(shm, os.W_OK):
        options["worker_tmp_dir"] = str(shm)  # heartbeats in memory, never on a slow or read-only disk
    return options


def worker_class_name() -> str:
    """uvloop when installed: it roughly halves the per-frame cost of the media sockets."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return DrainingWebWorker.__name__
    return DrainingUVLoopWebWorker.__name__


def _child_exit(server: Any, worker: Any) -> None:
    worker_exited(worker.pid)


class _DrainOnTerm:
    """SIGTERM starts the drain; the worker stops once it has ended (see the module's docstring)."""

    app: ServeApplication
    alive: bool
    loop: Any
    _notify_waiter_done: Callable[[], None]  # aiohttp's worker's
    _drain_task: Any = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        worker_app = self.app.worker_app
        built = worker_app.app if worker_app is not None else None
        if built is None:  # still starting: nothing to drain
            self._stop()
            return
        if self._drain_task is None:
            self._drain_task = self.loop.create_task(self._drain(built))

    async def _drain(self, app: web.Application) -> None:
        try:
            await drain_calls(app)
        except Exception as exc:  # the calls are closed by the app's shutdown below instead
            _log.error("drain failed: %s", type(exc).__name__)
        finally:
            self._stop()

    def _stop(self) -> None:
        self.alive = False
        self._notify_waiter_done()  # wakes aiohttp's worker loop, which then cleans up and exits


class DrainingWebWorker(_DrainOnTerm, GunicornWebWorker):  # type: ignore[misc]
    pass


class DrainingUVLoopWebWorker(_DrainOnTerm, GunicornUVLoopWebWorker):  # type: ignore[misc]
    pass
