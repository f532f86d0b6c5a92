"""Live estimates for predictive pacing, updated online from what the calls did.

Every estimator is a frozen value: ``update`` methods return a new one, nothing reads a clock
(times are plain seconds on any monotonic scale, passed in). The campaign runner and the
simulation keep one ``Estimates`` per dialing session and feed it as calls end:

- ``Ratio``: the answer rate, an exponentially forgetting count of answered / placed dials,
  started from a prior (so the first minutes are not guesswork from three calls);
- ``Durations``: a distribution of recent durations (answer delay, failed-dial duration, talk,
  wrap-up) kept as the last ``capacity`` samples; it answers "given it has lasted ``elapsed``
  seconds, what is the chance it ends within ``horizon`` more?" empirically, and from an
  exponential law with the recent mean while samples are few or the tail is thin;
- ``AbandonWindow``: abandoned / answered over the last ``max_calls`` answered calls that are
  younger than ``max_age_s`` — the rate the abandonment cap is about — and the abandons pacing
  expected for them, from which it measures how far its forecast is off.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

MIN_SAMPLES = 30  # below this a distribution is read as exponential with the blended mean
MIN_TAIL = 8  # fewer samples beyond ``elapsed`` than this: exponential tail


@dataclass(frozen=True)
class Ratio:
    """A yes/no rate forgetting old observations (``memory`` = effective sample size)."""

    prior: float
    prior_weight: float = 20.0
    memory: float = 300.0
    yes: float = 0.0
    total: float = 0.0

    @property
    def value(self) -> float:
        return (self.yes + self.prior * self.prior_weight) / (self.total + self.prior_weight)

    def observe(self, outcome: bool) -> Ratio:
        keep = 1.0 - 1.0 / self.memory
        return replace(self, yes=self.yes * keep + (1.0 if outcome else 0.0),
                       total=self.total * keep + 1.0)


@dataclass(frozen=True)
class Durations:
    """Recent durations in seconds; ``prior_mean`` stands in until samples accumulate."""

    prior_mean: float
    capacity: int = 400
    recent: tuple[float, ...] = ()  # arrival order, oldest first
    ordered: tuple[float, ...] = ()  # the same samples, sorted

    def add(self, seconds: float) -> Durations:
        value = max(0.0, seconds)
        recent, ordered = (*self.recent, value), list(self.ordered)
        insort(ordered, value)
        if len(recent) > self.capacity:
            del ordered[bisect_left(ordered, recent[0])]
            recent = recent[1:]
        return replace(self, recent=recent, ordered=tuple(ordered))

    @property
    def count(self) -> int:
        return len(self.recent)

    @property
    def mean(self) -> float:
        n = len(self.recent)
        weight = max(0, MIN_SAMPLES - n)
        return (sum(self.recent) + self.prior_mean * weight) / max(1, n + weight)

    def p_end_within(self, elapsed: float, horizon: float) -> float:
        """P(duration <= elapsed + horizon | duration > elapsed)."""
        return self.end_curve(elapsed, (horizon,))[0]

    def end_curve(self, elapsed: float, horizons: Sequence[float]) -> list[float]:
        """``p_end_within(elapsed, h)`` for each h of ``horizons``, in one pass."""
        n = len(self.ordered)
        done = bisect_right(self.ordered, elapsed)
        beyond = n - done
        if n < MIN_SAMPLES or beyond < MIN_TAIL:
            mean = self._residual_mean(elapsed, beyond)
            return [_exponential_cdf(h, mean) for h in horizons]
        return [(bisect_right(self.ordered, elapsed + h) - done) / beyond if h > 0 else 0.0
                for h in horizons]

    def survival(self, elapsed: float) -> float:
        """P(duration > elapsed)."""
        n = len(self.ordered)
        if n < MIN_SAMPLES:
            return 1.0 - _exponential_cdf(elapsed, self.mean)
        return (n - bisect_right(self.ordered, elapsed)) / n

    def quantile(self, q: float) -> float:
        """The duration not exceeded with probability ``q`` (0 <= q < 1)."""
        n = len(self.ordered)
        if n < MIN_SAMPLES:
            return -self.mean * math.log(1.0 - min(q, 0.999))
        return self.ordered[min(n - 1, int(q * n))]

    def _residual_mean(self, elapsed: float, beyond: int) -> float:
        if beyond == 0 or len(self.ordered) < MIN_SAMPLES:
            return self.mean
        tail = self.ordered[-beyond:]
        return max(1.0, sum(tail) / beyond - elapsed)


def _exponential_cdf(t: float, mean: float) -> float:
    return 1.0 - math.exp(-max(0.0, t) / max(mean, 1e-9))


@dataclass(frozen=True)
class WindowCounts:
    answered: int
    abandoned: int
    expected: float  # the abandons pacing allowed itself for these calls (sum of their risks)


@dataclass(frozen=True)
class AbandonWindow:
    """Answered calls — abandoned or not, and the risk pacing took when placing each — over
    the last ``max_calls`` answered calls younger than ``max_age_s``."""

    max_calls: int = 1000
    max_age_s: float = 3600.0
    times: tuple[float, ...] = ()
    abandoned: tuple[bool, ...] = ()
    risks: tuple[float, ...] = ()

    def record(self, at: float, abandoned: bool, risk: float = 0.0) -> AbandonWindow:
        start = max(0, len(self.times) + 1 - self.max_calls,
                    bisect_left(self.times, at - self.max_age_s))
        return replace(self, times=(*self.times[start:], at),
                       abandoned=(*self.abandoned[start:], abandoned),
                       risks=(*self.risks[start:], risk))

    def counts(self, now: float) -> WindowCounts:
        start = bisect_left(self.times, now - self.max_age_s)
        return WindowCounts(len(self.times) - start, sum(self.abandoned[start:]),
                            sum(self.risks[start:]))

    def rate(self, now: float) -> float:
        window = self.counts(now)
        return window.abandoned / window.answered if window.answered else 0.0


@dataclass(frozen=True)
class Estimates:
    """Everything predictive pacing reads, with one update per thing that happened."""

    answer_rate: Ratio = field(default_factory=lambda: Ratio(prior=0.3))
    answer_delay: Durations = field(default_factory=lambda: Durations(prior_mean=10.0))
    failed_ring: Durations = field(default_factory=lambda: Durations(prior_mean=25.0))
    talk: Durations = field(default_factory=lambda: Durations(prior_mean=180.0))
    wrap: Durations = field(default_factory=lambda: Durations(prior_mean=30.0))
    abandons: AbandonWindow = field(default_factory=AbandonWindow)

    def dial_ended(self, answered: bool, ring_s: float) -> Estimates:
        """A dial stopped ringing: answered after ``ring_s``, or ended unanswered after it."""
        if answered:
            return replace(self, answer_rate=self.answer_rate.observe(True),
                           answer_delay=self.answer_delay.add(ring_s))
        return replace(self, answer_rate=self.answer_rate.observe(False),
                       failed_ring=self.failed_ring.add(ring_s))

    def answered(self, at: float, abandoned: bool, risk: float = 0.0) -> Estimates:
        """A resident answered at ``at``; ``risk`` is the ``Decision.risk`` that placed the call
        (0 for a call with a reserved operator)."""
        return replace(self, abandons=self.abandons.record(at, abandoned, risk))

    def talk_ended(self, talk_s: float) -> Estimates:
        return replace(self, talk=self.talk.add(talk_s))

    def wrap_ended(self, wrap_s: float) -> Estimates:
        return replace(self, wrap=self.wrap.add(wrap_s))
