"""Prometheus metrics summed over an instance's worker processes (prometheus_client's multiprocess mode).

With `ivr serve --workers N` each worker counts its own calls, and a scrape lands on any one of
them; in multiprocess mode every worker writes its values to memory-mapped files in one directory
and the scraped worker reads them all. prometheus_client picks the mode when it is imported, from
`PROMETHEUS_MULTIPROC_DIR`, so `ivr serve` sets it before the workers start (`prepare_dir`, which
is why this module imports prometheus_client only inside its functions), and each worker makes
sure of it before it creates a metric (`use_multiprocess_values`).
How each gauge is combined is its `multiprocess_mode`: `ivr_calls_active` is summed over live
workers, `ivr_draining` is the largest value among them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class MetricsDir:
    path: Path
    owned: bool  # made by `ivr serve` (removed at exit), or the operator's (only emptied)

    def remove(self) -> None:
        if self.owned:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            _empty(self.path)


def prepare_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> MetricsDir:
    """The directory for this run, empty, and named in `environ` for the workers.

    The operator's `PROMETHEUS_MULTIPROC_DIR` is used (created if missing) and emptied of the
    files of an earlier run, which would otherwise be added to this run's counts; without one, a
    private temporary directory is made and removed at exit."""
    configured = environ.get(ENV, "").strip()
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        _empty(path)
        return MetricsDir(path, owned=False)
    path = Path(tempfile.mkdtemp(prefix="ivr-metrics-"))
    environ[ENV] = str(path)
    return MetricsDir(path, owned=True)


def _empty(path: Path) -> None:
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def use_multiprocess_values() -> bool:
    """In a worker, before any metric exists: values go to the shared files when the directory is set,
    even if something imported prometheus_client before `ivr serve` named it."""
    if not os.environ.get(ENV):
        return False
    from prometheus_client import values

    values.ValueClass = values.get_value_class()
    return True


def worker_exited(pid: int) -> None:
    """Drops a dead worker's live gauges (its counters stay: calls it took still happened)."""
    if os.environ.get(ENV):
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(pid)


def exposition(registry: CollectorRegistry) -> bytes:
    """The text a scrape gets: every worker's values in multiprocess mode, else this registry's."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    if not os.environ.get(ENV):
        return generate_latest(registry)
    combined = CollectorRegistry()
    MultiProcessCollector(combined)
    return generate_latest(combined)
