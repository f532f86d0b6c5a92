"""The carrier's calls-per-second limit as a token bucket: how many Originates may leave now.

Pure: the caller passes the time (seconds on any monotonic scale) and keeps the returned bucket.

    tokens grow at ``rate_per_s`` up to ``burst``; an Originate takes one whole token

With the default burst of 1 the calls are spaced at least ``1 / rate_per_s`` apart, so any
window of T seconds holds at most ``1 + rate_per_s * T`` of them (a carrier that counts calls
per second sees at most the limit, plus the one at the window's edge).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

EPSILON = 1e-9  # float rounding: a token due "now" is there


class RateLimitError(ValueError):
    """A bucket that can never hand out a token (rate or burst out of range)."""


@dataclass(frozen=True)
class TokenBucket:
    rate_per_s: float
    burst: float = 1.0
    tokens: float = 1.0  # a new bucket lets one call out at once
    at: float | None = None  # when ``tokens`` was last brought up to date

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate_per_s) and self.rate_per_s > 0):
            raise RateLimitError(f"rate must be a positive number, got {self.rate_per_s!r}")
        if not (math.isfinite(self.burst) and self.burst >= 1):
            raise RateLimitError(f"burst must be at least one call, got {self.burst!r}")

    def refilled(self, now: float) -> TokenBucket:
        """The bucket at ``now`` (a clock that went backwards adds nothing)."""
        if self.at is None:
            return replace(self, tokens=min(self.tokens, self.burst), at=now)
        elapsed = max(0.0, now - self.at)
        return replace(self, tokens=min(self.burst, self.tokens + elapsed * self.rate_per_s),
                       at=max(now, self.at))

    def available(self, now: float) -> bool:
        return self.refilled(now).tokens >= 1.0 - EPSILON

    def take(self, now: float) -> tuple[TokenBucket, bool]:
        """Take one token if there is one: (the new bucket, whether the call may go)."""
        current = self.refilled(now)
        if current.tokens < 1.0 - EPSILON:
            return current, False
        return replace(current, tokens=max(0.0, current.tokens - 1.0)), True

    def wait_s(self, now: float) -> float:
        """Seconds from ``now`` until the next token (0 when one is there)."""
        tokens = self.refilled(now).tokens
        return 0.0 if tokens >= 1.0 - EPSILON else (1.0 - tokens) / self.rate_per_s
