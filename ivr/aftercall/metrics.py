"""Prometheus metrics of the after-call worker, on the app's registry (the one /metrics serves).

Jobs are counted by kind and by what became of each attempt; the queue's depth is the whole
database's (every instance and worker process shares one queue), sampled by each worker loop,
so under `ivr serve --workers N` the most recent sample is the one reported, not a sum.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge

RESULTS = ("done", "skipped", "retried", "failed")


class AfterCallMetrics:
    def __init__(self, registry: CollectorRegistry | None = None, kinds: tuple[str, ...] = ()) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.jobs = Counter("ivr_aftercall_jobs_total",
                            "After-call job attempts settled, by kind and result (done, skipped, retried, failed)",
                            ["kind", "result"], registry=r)
        self.queue_depth = Gauge("ivr_aftercall_queue_depth",
                                 "After-call jobs pending or running in the shared queue, by kind",
                                 ["kind"], registry=r, multiprocess_mode="mostrecent")
        for kind in kinds:  # every series exists from the start, at 0, so a rate() has a baseline
            for result in RESULTS:
                self.jobs.labels(kind, result)
            self.queue_depth.labels(kind)

    def settled(self, kind: str, result: str) -> None:
        self.jobs.labels(kind, result).inc()

    def depth(self, counts: Mapping[str, int]) -> None:
        for kind, n in counts.items():
            self.queue_depth.labels(kind).set(n)
