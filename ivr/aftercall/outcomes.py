"""What a job handler returns or raises, so the worker alone decides retries and states."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Done:
    text: str = ""  # a summary
    external_id: str = ""  # an SMS's MessageSid
    delivery_status: str = ""


@dataclass(frozen=True)
class Skip:
    """Nothing to do for this call, and nothing failed (no transcript, the driver opted out since)."""

    reason: str


class JobFailed(Exception):
    """An attempt failed. `reason` is a code safe to store and log (never a service's message, which may
    quote a phone number); `retryable` False ends the job at once; `retry_after` is the service's wish."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.retryable = retryable
        self.retry_after = retry_after


def retryable_status(status: int | None) -> bool:
    """HTTP statuses worth another try: throttling, timeouts, server errors, and credentials that an
    operator may fix while the job waits. Any other 4xx is the request's own fault: retrying repeats it."""
    return status is None or status >= 500 or status in (401, 403, 408, 409, 425, 429)
