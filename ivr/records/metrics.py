"""Prometheus metrics of the call records' way to the database, on the app's registry.

`ivr_database_outages_total` goes up each time record writes find the database away (alert on
any increase); `ivr_records_held` is how many call records wait in memory for it;
`ivr_records_spooled_total` counts records a process wrote to its spool because it had to exit
first, `ivr_records_replayed_total` those a start put back into the database.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class RecordMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.outages = Counter("ivr_database_outages_total", "Times call-record writes found the database away",
                               registry=r)
        self.held = Gauge("ivr_records_held", "Call records waiting in memory for the database", registry=r,
                          multiprocess_mode="livesum")
        self.spooled = Counter("ivr_records_spooled_total", "Call records written to the local spool at exit",
                               registry=r)
        self.replayed = Counter("ivr_records_replayed_total", "Spooled call records written to the database",
                                registry=r)
        self.lost = Counter("ivr_records_lost_total", "Call records neither written nor spooled (no SPOOL_DIR, "
                            "or the disk refused)", registry=r)
