"""The carrier's calls-per-second limit ([trunk] max_calls_per_s) as the runner applies it: a
token per call placed, and the next tick brought forward when a call waited for one."""

from __future__ import annotations

import time
from collections.abc import Callable

from dialer.domain.rate_limit import TokenBucket


class CarrierLimit:
    """``per_s`` None: no limit."""

    def __init__(self, per_s: float | None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._bucket = TokenBucket(per_s) if per_s else None
        self._monotonic = monotonic
        self.throttled = False  # the last tick held a call back for want of a token

    def new_tick(self) -> None:
        self.throttled = False

    def ready(self) -> bool:
        """Is a token available now? (If not, the tick notes that it was throttled.)"""
        ready = self._bucket is None or self._bucket.available(self._monotonic())
        self.throttled = self.throttled or not ready
        return ready

    def take(self) -> None:
        if self._bucket is not None:
            self._bucket, _sent = self._bucket.take(self._monotonic())

    def pause_s(self, tick_s: float) -> float:
        """Until the next tick: sooner when the limit held a call back and the next token is
        due before then."""
        if self._bucket is None or not self.throttled:
            return tick_s
        return min(tick_s, self._bucket.wait_s(self._monotonic()))
