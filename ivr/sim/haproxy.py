"""A real haproxy in front of the service, for the multi-instance and trusted-proxy tests, and
clients calling from chosen loopback addresses.

The generated configuration is the production one (`deploy/haproxy.cfg`: round robin, `/readyz`
health checks, WebSocket tunnels, a failed connection redispatched, `option forwardfor`) plus one
rule the tests control: a request carrying `X-Sim-Voice: NAME` (the webhook) or `X-Sim-Media:
NAME` (the media socket upgrade) goes to instance NAME. A caller simulator whose session sends
both headers therefore puts its webhook on one instance and its socket on the same or another,
on purpose.

Linux answers on all of 127.0.0.0/8, so a test can be three parties on one machine: haproxy
forwards from 127.0.0.1 (list it in TRUSTED_PROXIES), and clients connect from 127.0.0.2 and
127.0.0.3 (`session_from`). haproxy adds its own X-Forwarded-For line after whatever the client sent.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from ivr.sim.instances import free_port

VOICE_HEADER = "X-Sim-Voice"
MEDIA_HEADER = "X-Sim-Media"


def route_headers(voice: str, media: str) -> dict[str, str]:
    """Session headers that pin a simulated call's webhook to `voice` and its socket to `media`."""
    return {VOICE_HEADER: voice, MEDIA_HEADER: media}


def haproxy_config(port: int, servers: dict[str, int], *, stats_port: int | None = None,
                   check_interval_ms: int | None = 500) -> str:
    """`servers`: instance name → its port on 127.0.0.1. `stats_port`: haproxy's own status page,
    where the tests read whether it considers each instance up. `check_interval_ms` None: no
    `/readyz` checks (a single backend that is simply always there)."""
    check = f" check inter {check_interval_ms} fall 1 rise 2" if check_interval_ms is not None else ""
    pool = "\n".join(f"    server {name} 127.0.0.1:{p}{check}" for name, p in servers.items())
    pinned_rules = []
    pinned_backends = []
    for name, p in servers.items():
        pinned_rules += [
            f"    use_backend pin_{name} if voice {{ req.hdr({VOICE_HEADER}) -m str {name} }}",
            f"    use_backend pin_{name} if media {{ req.hdr({MEDIA_HEADER}) -m str {name} }}",
        ]
        pinned_backends.append(f"backend pin_{name}\n    server {name} 127.0.0.1:{p}\n")
    health = "    option httpchk GET /readyz\n" if check_interval_ms is not None else ""
    stats = (f"listen stats\n    bind 127.0.0.1:{stats_port}\n    stats enable\n    stats uri /stats\n"
             if stats_port is not None else "")
    return f"""global
    maxconn 4096

defaults
    mode http
    option http-server-close
    option forwardfor
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-keep-alive 10s

frontend ivr
    bind 127.0.0.1:{port}
    acl voice path /twilio/voice
    acl media path /twilio/media
{chr(10).join(pinned_rules)}
    default_backend instances

backend instances
    balance roundrobin
{health}{pool}

{chr(10).join(pinned_backends)}
{stats}"""


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    """`haproxy -c`: the configuration parses and is valid (exit code 0)."""
    return subprocess.run([haproxy_binary(), "-c", "-f", str(path)], capture_output=True, text=True, check=False)


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)
    if found is None:
        raise RuntimeError("haproxy is not installed (Debian package `haproxy`; .ci/run installs it)")
    return found


@dataclass
class HAProxy:
    port: int
    stats_port: int | None
    proc: asyncio.subprocess.Process
    config: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def server_status(self, server: str) -> str:
        """haproxy's health-check verdict on an instance of the round-robin pool: UP, DOWN, …"""
        if self.stats_port is None:
            raise RuntimeError("this haproxy has no status page (start it with a stats_port)")
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{self.stats_port}/stats;csv") as resp:
            rows = (await resp.text()).splitlines()
        header = rows[0].lstrip("# ").split(",")
        for row in rows[1:]:
            fields = dict(zip(header, row.split(","), strict=False))
            if fields.get("pxname") == "instances" and fields.get("svname") == server:
                return fields.get("status", "")
        raise KeyError(server)

    async def wait_server_status(self, server: str, status: str, within: float = 15.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (seen := await self.server_status(server)) != status:
            if loop.time() > deadline:
                raise TimeoutError(f"haproxy: {server} is {seen}, not {status}, after {within} s")
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def start_haproxy(config: str, workdir: Path, port: int, stats_port: int | None = None) -> HAProxy:
    """Writes the configuration, checks it with `haproxy -c`, and runs haproxy in the foreground."""
    path = workdir / "haproxy.cfg"
    path.write_text(config, encoding="utf-8")
    checked = check_config(path)
    if checked.returncode != 0:
        raise RuntimeError(f"haproxy -c refused the configuration:\n{checked.stdout}{checked.stderr}")
    log = (workdir / "haproxy.log").open("wb")
    proc = await asyncio.create_subprocess_exec(haproxy_binary(), "-db", "-f", str(path),
                                                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    running = HAProxy(port, stats_port, proc, path)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return running
        except OSError:
            if proc.returncode is not None or loop.time() > deadline:
                await running.close()
                raise RuntimeError("haproxy did not start listening") from None
            await asyncio.sleep(0.05)


@asynccontextmanager
async def haproxy_in_front(workdir: Path, backend_url: str) -> AsyncIterator[str]:
    """haproxy on 127.0.0.1 forwarding HTTP and WebSockets to the one service at `backend_url`
    (http://127.0.0.1:PORT); yields haproxy's own http:// URL."""
    backend_port = urlsplit(backend_url).port
    if backend_port is None:
        raise ValueError(f"no port in {backend_url!r}")
    port = free_port()
    proxy = await start_haproxy(haproxy_config(port, {"app": backend_port}, check_interval_ms=None), workdir, port)
    try:
        yield proxy.url
    finally:
        await proxy.close()


def session_from(address: str) -> aiohttp.ClientSession:
    """A client whose connections come from `address` (a loopback address other than 127.0.0.1)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0), force_close=True))
