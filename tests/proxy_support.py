"""A real haproxy in front of the service, and clients calling from chosen loopback addresses.

Linux answers on all of 127.0.0.0/8, so a test can be three parties on one machine: the proxy
forwards from 127.0.0.1, and clients connect from 127.0.0.2 and 127.0.0.3. haproxy's
`option forwardfor` adds its own X-Forwarded-For line after whatever the client sent.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def haproxy(tmp_path: Path, backend_url: str) -> AsyncIterator[str]:
    """haproxy on 127.0.0.1 forwarding HTTP and WebSockets to `backend_url`; yields its http:// URL."""
    if HAPROXY is None:
        raise AssertionError("haproxy is not installed: `apt-get install haproxy` (.ci/run does)")
    port = free_port()
    backend = backend_url.removeprefix("http://")
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        "defaults\n  mode http\n  option forwardfor\n  timeout connect 5s\n  timeout client 30s\n"
        "  timeout server 30s\n  timeout tunnel 60s\n"
        f"frontend ivr\n  bind 127.0.0.1:{port}\n  default_backend app\n"
        f"backend app\n  server app {backend}\n"
    )
    proc = await asyncio.create_subprocess_exec(
        HAPROXY, "-db", "-f", str(config), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError as exc:
                if proc.returncode is not None:
                    assert proc.stderr is not None
                    raise AssertionError(f"haproxy exited: {(await proc.stderr.read()).decode()[-500:]}") from exc
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()


def session_from(address: str) -> aiohttp.ClientSession:
    """A client whose connections come from `address` (a loopback address other than 127.0.0.1)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0), force_close=True))
