"""`ivr serve` as real processes, pointed at the stand-ins: for the drain, workers and multi-instance tests.

Each instance runs in its own session (process group), so `kill()` takes the arbiter and all its
workers at once, as a container runtime's SIGKILL does, while `terminate()` sends SIGTERM to the
arbiter only, as a rolling restart does. Output goes to a log file, never to a pipe nobody reads.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from ivr.sim.harness import SIM_ACCOUNT_SID, SIM_AUTH_TOKEN, SIM_DISPATCHER, SIM_PUBLIC_BASE

SIM_METRICS_TOKEN = "sim-metrics-token"
METRICS_AUTH = {"Authorization": f"Bearer {SIM_METRICS_TOKEN}"}  # /metrics answers nobody else


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS's choice), for a process that binds it itself."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve_env(*, database_url: str, realtime_url: str, twilio_api_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `ivr serve` that talks only to the stand-ins (extra settings by name)."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({
        "DATABASE_URL": database_url,
        "OPENAI_API_KEY": "sk-sim",
        "OPENAI_REALTIME_URL": realtime_url,
        "TWILIO_ACCOUNT_SID": SIM_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": SIM_AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio_api_url,
        "PUBLIC_BASE_URL": SIM_PUBLIC_BASE,
        "DISPATCHER_NUMBER": SIM_DISPATCHER,
        "METRICS_TOKEN": SIM_METRICS_TOKEN,
    })
    env.update({k.upper(): v for k, v in settings.items()})
    return env


@dataclass
class ServeProcess:
    name: str
    port: int
    proc: asyncio.subprocess.Process
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_ready(self, within: float = 60.0) -> None:
        """Until `/readyz` answers 200 (every worker booted answers the same)."""
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while True:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
                try:
                    async with http.get(self.url + "/readyz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not ready within {within} s:\n{self.log()[-3000:]}")
                await asyncio.sleep(0.1)

    async def metrics(self, http: aiohttp.ClientSession) -> str:
        """One scrape of `/metrics` (whichever worker answers, the instance's sum)."""
        async with http.get(self.url + "/metrics", headers=METRICS_AUTH) as resp:
            resp.raise_for_status()
            return await resp.text()

    def terminate(self) -> None:
        """SIGTERM to the arbiter: the graceful stop (drain) of a rolling restart."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to every process of the instance at once, like `kill -9` of a container."""
        if self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    async def wait_exit(self, within: float) -> int:
        return await asyncio.wait_for(self.proc.wait(), within)

    async def stop(self, *, graceful: bool = True) -> None:
        """Clean-up: the graceful stop (then a kill if it takes too long), or a kill at once."""
        if graceful:
            self.terminate()
            try:
                await self.wait_exit(15)
                return
            except TimeoutError:
                pass
        self.kill()
        await self.proc.wait()


async def start_serve(env: dict[str, str], log_dir: Path, *, name: str = "ivr", workers: int = 1,
                      port: int | None = None) -> ServeProcess:
    """Starts `ivr serve` (not yet ready: see `wait_ready`)."""
    port = port or free_port()
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ivr.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers),
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
    return ServeProcess(name, port, proc, log_path)
