"""How many new calls to place now — the decision the campaign runner takes on every tick.

The runner (and ``dialer simulate``, which drives this very code) describes the moment in a
``Snapshot``, keeps the session's live ``Estimates`` and calls ``decide``.

PROGRESSIVE (default) reserves one free operator per call: the calls in flight never outnumber
the free operators, so no answered resident ever waits — abandonment is 0 by construction.

PREDICTIVE (opt-in per campaign) dials ahead of the free operators:
1. forecast, at a few instants over the time a new call takes to be answered, the operators
   free by then (free now, plus each one in wrap-up or on a call with the probability, from the
   measured talk and wrap-up distributions and the time already spent, of being done by then)
   and the residents answered by then (each ringing call with its probability of answering,
   given how long it has rung; each new call with the answer rate and answer-delay law);
2. place the most calls for which the expected abandoned answers (the largest expected excess
   of answers over operators, normal approximation) stay within ``risk`` x the expected answers;
3. ``risk`` = cap x ``target_share`` / bias, where bias (measured abandons / the abandons the
   model allowed, over the rolling window, shrunk towards ``prior_bias``) corrects the model
   from what really happened, and it is eased to zero as the window's budget gets used up;
4. fall back to progressive when the cap is threatened (abandoned >= ``threat`` x cap x answered
   in the window), when fewer than ``min_operators`` are logged in, or while the estimates are
   warming up; never place fewer calls than progressive would.

Both modes place nothing while inbound callers wait: callbacks have priority for operators.
Both obey the trunk's line budget (``Snapshot.line_room``, see ``dialer.domain.line_budget``):
never more new calls than the lines outbound may still take, so lines stay free for callbacks.

An abandoned call is silence to a resident (no recorded message may be played), so the target
of an abandoned call is retried only with an operator reserved: ``requires_reserved_operator``
says so from the target's past outcomes, and ``Decision.reservable`` says how many of the calls
placed now may get a reserved operator. When ``Decision.mode`` is PROGRESSIVE every call placed
gets one; when PREDICTIVE only such retries do, and the runner reports ``Decision.risk`` back
with each unreserved call's answer (``Estimates.answered``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dialer.domain.attempt import ABANDONED
from dialer.domain.estimates import Estimates

GRID = 6  # instants at which operators and answers are weighed, evenly up to the horizon
HORIZON_QUANTILE = 0.9  # the horizon: this quantile of the answer delay


class Mode(StrEnum):
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


@dataclass(frozen=True)
class Policy:
    mode: Mode = Mode.PROGRESSIVE
    abandon_cap: float = 0.01  # abandoned / answered over the rolling window (Estimates)
    min_operators: int = 5  # predictive needs at least this many logged in
    min_samples: int = 30  # answered and unanswered dials measured before dialing ahead
    min_window_calls: int = 100  # the cap's budget counts at least this many answered calls
    target_share: float = 0.5  # aim at this share of the cap
    calm: float = 0.5  # budget share used from which the risk is eased ...
    threat: float = 1.0  # ... to zero at this share: back to progressive
    prior_bias: float = 3.0  # measured / model abandons assumed before any evidence ...
    bias_weight: float = 1.0  # ... worth this many expected abandons
    max_ahead: int = 500  # never more calls than this in one decision
    # prior_bias: in simulation the forecast is low by ~1.5x with 20 operators, ~4x with 50
    # (it cannot withdraw calls once placed); starting high errs on the side of silence-free.

    def __post_init__(self) -> None:
        if not 0.0 <= self.abandon_cap <= 1.0 or not 0.0 < self.target_share <= 1.0:
            raise ValueError("the abandonment cap and target share must be fractions")
        if not 0.0 <= self.calm < self.threat or self.prior_bias <= 0 or self.bias_weight <= 0:
            raise ValueError("need 0 <= calm < threat and a positive prior bias and weight")
        if self.min_operators < 1 or self.max_ahead < 0:
            raise ValueError("min_operators must be at least 1, max_ahead at least 0")


@dataclass(frozen=True)
class Snapshot:
    """The operators and calls of one dialing session at ``now`` (seconds, any epoch)."""

    now: float
    idle: int  # logged in, not talking, not in wrap-up, not paused (incl. the reserved ones)
    reserved: int = 0  # idle operators each held for one ringing call
    wrapping: tuple[float, ...] = ()  # seconds each operator in wrap-up has spent in it
    talking: tuple[float, ...] = ()  # seconds each operator on a call has talked
    ringing: tuple[float, ...] = ()  # seconds each unreserved call in flight has rung
    inbound_waiting: int = 0  # callbacks queued for an operator
    paused: int = 0
    line_room: int | None = None  # new calls the line budget allows now (None: no budget)

    def __post_init__(self) -> None:
        if min(self.idle, self.reserved, self.inbound_waiting, self.paused,
               self.line_room if self.line_room is not None else 0) < 0:
            raise ValueError("snapshot counts cannot be negative")
        if self.reserved > self.idle:
            raise ValueError("more reserved operators than idle ones")

    @property
    def free(self) -> int:
        """Idle operators not held for a ringing call."""
        return self.idle - self.reserved

    @property
    def logged_in(self) -> int:
        return self.idle + len(self.wrapping) + len(self.talking) + self.paused


@dataclass(frozen=True)
class Decision:
    place: int  # new calls to place now
    reservable: int  # how many of them may get a reserved operator (all, when PROGRESSIVE)
    mode: Mode  # the mode that decided (predictive falls back to progressive)
    reason: str
    risk: float = 0.0  # abandons allowed per answer for the unreserved calls placed now


def requires_reserved_operator(outcomes: Iterable[str]) -> bool:
    """True when any past attempt on the target was abandoned: dial it only with an operator
    reserved, so a resident is never left in silence twice."""
    return any(outcome == ABANDONED for outcome in outcomes)


def progressive_calls(snapshot: Snapshot) -> int:
    """One call per free operator not already awaited by a ringing call."""
    return max(0, snapshot.free - len(snapshot.ringing))


def decide(snapshot: Snapshot, estimates: Estimates, policy: Policy = Policy()) -> Decision:
    """The calls to place now, within the line budget whatever the mode."""
    return within_lines(_decide(snapshot, estimates, policy), snapshot.line_room)


def _decide(snapshot: Snapshot, estimates: Estimates, policy: Policy) -> Decision:
    safe = progressive_calls(snapshot)
    if snapshot.inbound_waiting:
        return Decision(0, 0, Mode.PROGRESSIVE, "inbound callers waiting")
    reason = fallback_reason(snapshot, estimates, policy)
    if reason:
        return Decision(safe, safe, Mode.PROGRESSIVE, reason)
    risk = allowed_risk(estimates, snapshot.now, policy)
    ahead = calls_within_risk(snapshot, estimates, risk, min(policy.max_ahead,
                                                             _room(snapshot.line_room)))
    return Decision(max(safe, ahead), safe, Mode.PREDICTIVE, "predictive", risk)


def _room(line_room: int | None) -> int:
    return line_room if line_room is not None else 1 << 30


def within_lines(decision: Decision, line_room: int | None) -> Decision:
    """``decision`` with no more calls than ``line_room`` (None: unchanged)."""
    if line_room is None or decision.place <= line_room:
        return decision
    return Decision(line_room, min(decision.reservable, line_room), decision.mode,
                    f"{decision.reason}; line budget", decision.risk)


def fallback_reason(snapshot: Snapshot, estimates: Estimates, policy: Policy) -> str:
    """Why this decision must be progressive ("" when predictive may dial ahead)."""
    if policy.mode is Mode.PROGRESSIVE:
        return "progressive"
    if snapshot.logged_in < policy.min_operators:
        return f"fewer than {policy.min_operators} operators logged in"
    if min(estimates.answer_delay.count, estimates.failed_ring.count) < policy.min_samples:
        return "estimates warming up"
    if budget_used(estimates, snapshot.now, policy) >= policy.threat:
        return "abandonment cap threatened"
    return ""


def budget_used(estimates: Estimates, now: float, policy: Policy) -> float:
    """Abandoned calls in the window over what the cap allows there (1.0 = all used)."""
    window = estimates.abandons.counts(now)
    allowance = policy.abandon_cap * max(window.answered, policy.min_window_calls)
    return window.abandoned / allowance if allowance > 0 else math.inf


def allowed_risk(estimates: Estimates, now: float, policy: Policy) -> float:
    """Abandons per answer the forecast may allow, corrected by the model's measured bias."""
    window = estimates.abandons.counts(now)
    bias = ((window.abandoned + policy.prior_bias * policy.bias_weight)
            / (window.expected + policy.bias_weight))
    used = budget_used(estimates, now, policy)
    easing = min(1.0, max(0.0, (policy.threat - used) / (policy.threat - policy.calm)))
    return min(0.5, policy.abandon_cap * policy.target_share * easing / bias)


def calls_within_risk(snapshot: Snapshot, estimates: Estimates, risk: float, limit: int) -> int:
    """The most calls (<= limit) keeping the expected abandoned answers among all the calls in
    flight within ``risk`` x their expected answers.

    Answers abandoned by T = max over t <= T of (answers by t - operators free by t), so the
    largest expected excess over the grid instants is the estimate (a lower bound; the measured
    bias in ``allowed_risk`` corrects it).
    """
    times = horizon_grid(estimates)
    supply, supply_var = operators_free_by(snapshot, estimates, times)
    demand, demand_var = answers_by(snapshot, estimates, times)
    p = estimates.answer_rate.value
    new = [p * (1.0 - estimates.answer_delay.survival(t)) for t in times]
    answers = sum(still_answers(e, estimates) for e in snapshot.ringing)
    for placed in range(1, limit + 1):
        excess = max(expected_excess(d + placed * a - s, dv + sv + placed * a * (1.0 - a))
                     for d, a, s, dv, sv in zip(demand, new, supply, demand_var, supply_var,
                                                strict=True))
        if excess > risk * (answers + placed * p):
            return placed - 1
    return limit


def horizon_grid(estimates: Estimates) -> list[float]:
    horizon = max(1.0, estimates.answer_delay.quantile(HORIZON_QUANTILE))
    return [horizon * (i + 1) / GRID for i in range(GRID)]


def operators_free_by(snapshot: Snapshot, estimates: Estimates,
                      times: list[float]) -> tuple[list[float], list[float]]:
    """Per instant: mean and variance of the operators free (unclaimed) by then."""
    curves = [estimates.wrap.end_curve(e, times) for e in snapshot.wrapping]
    curves += talk_and_wrap_by(snapshot.talking, estimates, times)
    return _sum_curves(curves, len(times), base=float(snapshot.free))


def talk_and_wrap_by(talking: Iterable[float], estimates: Estimates,
                     times: list[float]) -> list[list[float]]:
    """Per operator on a call, per instant t: P(rest of the talk + a whole wrap-up <= t);
    the talk's end is taken in the middle of the grid step it falls in."""
    step, size = times[0], len(times)
    wrap_done = [1.0 - estimates.wrap.survival(t - step / 2) for t in reversed(times)]
    curves = []
    for elapsed in talking:
        ended = estimates.talk.end_curve(elapsed, times)
        slices = list(map(operator.sub, ended, [0.0, *ended[:-1]]))
        curves.append([sum(map(operator.mul, slices[:k + 1], wrap_done[size - 1 - k:]))
                       for k in range(size)])
    return curves


def answers_by(snapshot: Snapshot, estimates: Estimates,
               times: list[float]) -> tuple[list[float], list[float]]:
    """Per instant: mean and variance of the unreserved ringing calls answered by then."""
    return _sum_curves([answered_by(e, estimates, times) for e in snapshot.ringing], len(times))


def answered_by(elapsed: float, estimates: Estimates, times: list[float]) -> list[float]:
    """P(a call that has rung ``elapsed`` seconds is answered within each of ``times``)."""
    p, delay = estimates.answer_rate.value, estimates.answer_delay
    still = delay.survival(elapsed)
    total = p * still + (1.0 - p) * estimates.failed_ring.survival(elapsed)
    if total <= 0:
        return [0.0] * len(times)
    return [p * (still - delay.survival(elapsed + t)) / total for t in times]


def still_answers(elapsed: float, estimates: Estimates) -> float:
    """P(a call that has rung ``elapsed`` seconds without ending is answered at all)."""
    p = estimates.answer_rate.value
    answering = p * estimates.answer_delay.survival(elapsed)
    total = answering + (1.0 - p) * estimates.failed_ring.survival(elapsed)
    return answering / total if total > 0 else 0.0


def expected_excess(mean: float, variance: float) -> float:
    """E[max(0, X)] for an integer X ~ normal(mean, variance), with continuity correction."""
    if variance <= 1e-12:
        return max(0.0, mean)
    spread, shifted = math.sqrt(variance), mean + 0.5
    z = shifted / spread
    density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return spread * density + shifted * 0.5 * math.erfc(-z / math.sqrt(2.0))


def _sum_curves(curves: list[list[float]], size: int,
                base: float = 0.0) -> tuple[list[float], list[float]]:
    means, variances = [base] * size, [0.0] * size
    for curve in curves:
        for k, c in enumerate(curve):
            means[k] += c
            variances[k] += c * (1.0 - c)
    return means, variances
