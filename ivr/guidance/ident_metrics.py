"""Prometheus counters for the identification limits, on the app's registry (tests run many apps).

`ivr_identification_limit_trips_total{kind="plate"|"caller"}` goes up when a failed attempt brings
a plate serial or a caller's number to its limit (alert on any increase); the console lists the
same events (`lookup.tripped_limits`). `ivr_identification_refused_total{kind}` counts lookups
refused while a limit holds. `ivr_keypad_entries_total{result}` counts completed keypad entries
by what came of them (the tool result's status: matched, not_found, verified, not_verified, ...;
`ignored` when the driver was already identified or the call was being handed over).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from lookup.result import CALLER_LOCKED, PLATE_LOCKED

_LOCKED_BY = {PLATE_LOCKED: "plate", CALLER_LOCKED: "caller"}


class IdentMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.trips = Counter("ivr_identification_limit_trips_total",
                             "Identification limits tripped by failed attempts", ["kind"], registry=self.registry)
        self.refused = Counter("ivr_identification_refused_total",
                               "Lookups refused while an identification limit holds", ["kind"], registry=self.registry)
        self.keypad = Counter("ivr_keypad_entries", "Keypad entries completed by callers, by result", ["result"],
                              registry=self.registry)

    def count_keypad(self, status: object) -> None:
        """A completed keypad entry; `status` from its tool result (None: nothing was done with it)."""
        self.keypad.labels(status if isinstance(status, str) and status else "ignored").inc()

    def count_refusal(self, reason: str) -> None:
        """An attempt refused because a limit holds (its reason code says which); others are not counted."""
        kind = _LOCKED_BY.get(reason)
        if kind is not None:
            self.refused.labels(kind).inc()
