"""`ivr serve` with the calls benchmark's frame probe in every worker (for `bench.bench_workers`).

    BENCH_PROBE_DIR=/tmp/x python -m bench.probed_serve serve --workers 2 --port 8080

The real command, processes and app (gunicorn's arbiter, the aiohttp workers, the guidance
conversation), with one change: each worker's app is built with `BridgeConfig.frame_probe` set to a
`ServiceProbe`, whose histograms the worker writes to BENCH_PROBE_DIR/<pid>.{up,down,held} when it
stops. Production never sets a probe; only this wrapper, for the benchmark, does.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from aiohttp import web


def _install_probe(out_dir: Path) -> None:
    import ivr.web.app as app_module
    from bench.bench_calls import ServiceProbe

    create_app = app_module.create_app

    def probed_create_app(settings: Any, factory: Any, **kwargs: Any) -> web.Application:
        probe = ServiceProbe()
        config = kwargs.get("bridge_config") or app_module.bridge_config_from_settings(settings)
        kwargs["bridge_config"] = dataclasses.replace(config, frame_probe=probe)
        app = create_app(settings, factory, **kwargs)

        async def dump(_: web.Application) -> None:
            pid = os.getpid()
            (out_dir / f"{pid}.up").write_bytes(probe.wire["up"].to_bytes())
            (out_dir / f"{pid}.down").write_bytes(probe.wire["down"].to_bytes())
            (out_dir / f"{pid}.held").write_bytes(probe.held.to_bytes())

        app.on_cleanup.append(dump)
        return app

    app_module.create_app = probed_create_app  # type: ignore[assignment]


def main() -> int:
    from ivr.cli import main as ivr_main

    _install_probe(Path(os.environ["BENCH_PROBE_DIR"]))
    return ivr_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
