"""`ivr serve`: the web service (Twilio webhook, media bridge, health, metrics) in N worker processes.

The processes are gunicorn's (`ivr.web.workers`: why, and what each signal does); metrics are
summed over them (`ivr.web.multiprocess_metrics`); SIGTERM drains (`ivr.web.drain`).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
from pathlib import Path
from typing import Any

from ivr.errors import UserError
from ivr.log_setup import configure_logging
from ivr.settings import Settings, load_settings


def register(sub: Any, qa: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the phone service (POST /twilio/voice, GET /twilio/media, /healthz, /readyz, /metrics)",
        description="Run the web service. Settings come from the environment (see README).",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=_positive, default=None, metavar="N",
                       help="worker processes on the one port (default: the CPU cores this process may use)")
    serve.set_defaults(func=_serve)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def default_workers() -> int:
    """The cores this process may use: its CPU affinity, capped by a container's cgroup CPU quota
    (a container limited to 2 CPUs on a 64-core host still sees 64 cores in `os.cpu_count()`)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota = cores_from_cpu_max(Path("/sys/fs/cgroup/cpu.max").read_text())
    except OSError:
        quota = None
    return max(1, min(cores, quota) if quota is not None else cores)


def cores_from_cpu_max(text: str) -> int | None:
    """cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD" for no limit) as whole cores, rounded up."""
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    try:
        quota, period = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else None


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.public_base_url:
        raise UserError("PUBLIC_BASE_URL must be set: Twilio signatures are checked against it")
    if not settings.twilio_auth_token:
        raise UserError("TWILIO_AUTH_TOKEN must be set: unsigned requests are refused")
    if not (settings.openai_api_key or settings.azure_openai_endpoint or settings.openai_realtime_url):
        raise UserError(
            "no Realtime model configured: set OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT with its key and "
            "deployment, or OPENAI_REALTIME_URL for a local simulator (`ivr demo` needs none of these)"
        )
    if settings.azure_openai_endpoint and not (settings.azure_openai_api_key and settings.azure_openai_deployment):
        raise UserError("AZURE_OPENAI_ENDPOINT is set: AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT must be too")
    from ivr.aftercall.service import problems
    from ivr.config import AfterCallConfig

    if found := problems(AfterCallConfig.from_settings(settings)):
        raise UserError("; ".join(found))
    configure_logging(settings.log_level, settings.log_levels)
    workers = args.workers or default_workers()
    return run_workers(settings, args.host, args.port, workers)


def event_loop_factory() -> Any:
    """uvloop when installed, as the workers run (the benchmarks use it to run like `ivr serve`)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """Runs gunicorn's arbiter until it stops; returns its exit status."""
    # Before anything imports prometheus_client: it picks multiprocess mode at import.
    from ivr.web.multiprocess_metrics import prepare_dir

    arbiter_pid = os.getpid()
    metrics_dir = prepare_dir()
    try:
        from ivr.web.workers import ServeApplication

        logging.getLogger("ivr.web").info("serving on %s:%d with %d workers", host, port, workers)
        try:
            ServeApplication(settings, host, port, workers).run()
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        return 0
    finally:
        # A worker is a fork of this process and leaves through this same stack when it exits:
        # only the arbiter may remove the directory every worker writes to.
        if os.getpid() == arbiter_pid:
            metrics_dir.remove()
