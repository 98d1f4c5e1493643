"""When to try a failed job again: exponential backoff with jitter, and when to give up.

Pure arithmetic with an injected random source. The jitter spreads the retries of many jobs that
failed together (a rate limit, an outage) so they do not all return at the same moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_s: float = 30.0
    cap_s: float = 1800.0

    def ceiling(self, attempt: int) -> float:
        """The longest wait after the `attempt`-th failed attempt (1-based): base, 2×base, 4×base … cap."""
        return min(self.cap_s, self.base_s * 2 ** min(max(attempt, 1) - 1, 60))

    def delay(self, attempt: int, rng: random.Random, *, at_least: float = 0.0) -> float:
        """Seconds until the next try: between half the ceiling and the ceiling ("equal jitter"), and
        never before the service asked us to come back (`at_least`, from a Retry-After)."""
        ceiling = self.ceiling(attempt)
        return max(at_least, ceiling / 2 + rng.uniform(0, ceiling / 2))

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
