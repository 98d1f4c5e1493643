"""Start an aiohttp app on a loopback port for the stand-ins, the demo, tests and benchmarks.

Port 0 lets the OS pick a free port so parallel test runs never collide; the bound port is read
back from the listening socket.
"""

from __future__ import annotations

from aiohttp import web


async def start_local_site(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve `app` on host:port (0 = any free port); returns the runner to clean up and the bound port."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    if server is None or not getattr(server, "sockets", None):
        await runner.cleanup()
        raise RuntimeError(f"could not listen on {host}:{port}")
    return runner, int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
