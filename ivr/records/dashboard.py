"""The dashboard's figures for one day, computed from per-call facts. Pure: no database here.

What each chart counts:
- calls per hour: calls by the local hour they started in (0–23);
- outcomes: calls by `Outcome` (in progress included, so the day adds up);
- transfers by reason: calls handed to a dispatcher, by the first reason given;
- 相槌 ignored against interruptions: transcript lines the bot let pass without stopping, and
  caller speech that cut the bot off;
- time to first audio, p50 and p95 (nearest rank), in ms: how long the caller waited for the bot's
  voice, after the call started (the greeting) and after they stopped speaking (a reply);
- lookups that needed a retry: among calls that looked a driver up, those identified at the first
  lookup, those identified after more than one, and those never identified.
`dashboard_query.py` gathers the facts; the page draws these figures as they are.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ivr.records.outcome import Outcome

WAITS = ("greeting", "reply")
LOOKUP_BUCKETS = ("first_try", "after_retry", "never")


@dataclass(frozen=True)
class DayCall:
    """One call as the dashboard counts it."""

    started_local: dt.datetime
    outcome: str
    transfer_reason: str = ""
    aizuchi_ignored: int = 0
    interruptions: int = 0
    first_audio_ms: Sequence[tuple[str, int]] = ()  # (greeting | reply, ms)
    lookups: int = 0  # lookup_driver tool calls
    identified: bool = False


@dataclass(frozen=True)
class Percentiles:
    n: int
    p50: int | None
    p95: int | None


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    calls: int
    per_hour: list[int]
    outcomes: dict[str, int]
    transfers: dict[str, int]
    turns: dict[str, int]
    first_audio: dict[str, Percentiles]
    lookups: dict[str, int]
    retried_lookups: int = field(default=0)  # lookup_driver calls beyond the first, over the day

    def as_json(self) -> dict[str, Any]:
        """What the page embeds for its charts (and the browser tests read back). Categories are
        [key, value] pairs: their order is the chart's, and a JSON object's order is not kept."""
        return {
            "day": self.day.isoformat(), "calls": self.calls, "per_hour": self.per_hour,
            "outcomes": list(map(list, self.outcomes.items())), "transfers": list(map(list, self.transfers.items())),
            "turns": list(map(list, self.turns.items())),
            "first_audio": [[k, {"n": v.n, "p50": v.p50, "p95": v.p95}] for k, v in self.first_audio.items()],
            "lookups": list(map(list, self.lookups.items())), "retried_lookups": self.retried_lookups,
        }


def percentile(values: Sequence[int], p: float) -> int | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _lookup_bucket(c: DayCall) -> str | None:
    if c.lookups == 0:
        return None
    if not c.identified:
        return "never"
    return "first_try" if c.lookups == 1 else "after_retry"


def figures(day: dt.date, calls: Iterable[DayCall]) -> DayFigures:
    per_hour = [0] * 24
    outcomes: Counter[str] = Counter({o.value: 0 for o in Outcome})
    transfers: Counter[str] = Counter()
    turns = {"aizuchi_ignored": 0, "interruption": 0}
    waits: dict[str, list[int]] = {w: [] for w in WAITS}
    lookups: Counter[str] = Counter({b: 0 for b in LOOKUP_BUCKETS})
    total = retried = 0
    for c in calls:
        total += 1
        per_hour[c.started_local.hour] += 1
        outcomes[c.outcome] += 1
        if c.transfer_reason:
            transfers[c.transfer_reason] += 1
        turns["aizuchi_ignored"] += c.aizuchi_ignored
        turns["interruption"] += c.interruptions
        for kind, ms in c.first_audio_ms:
            waits.setdefault(kind, []).append(ms)
        bucket = _lookup_bucket(c)
        if bucket is not None:
            lookups[bucket] += 1
            retried += c.lookups - 1
    return DayFigures(
        day=day, calls=total, per_hour=per_hour, outcomes=dict(outcomes),
        transfers=dict(sorted(transfers.items(), key=lambda kv: (-kv[1], kv[0]))), turns=turns,
        first_audio={k: Percentiles(len(v), percentile(v, 50), percentile(v, 95)) for k, v in waits.items()},
        lookups=dict(lookups), retried_lookups=retried,
    )
