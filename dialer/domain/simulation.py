"""A seeded discrete-event simulation of one dialing session, paced by ``pacing.decide``.

The simulation drives the very pacing code the campaign runner calls: after every event (and on
a tick every ``tick_s``) it builds a ``Snapshot``, asks ``decide`` and places the calls, feeding
the session's ``Estimates`` as calls end — exactly what the runner does with Asterisk's events.

The model (a seed gives one result; ring, talk and wrap-up draws come from three streams
seeded from it, so the k-th dial, talk or wrap-up is the same in every mode — common random
numbers make the comparison of two pacings fair):
- ``operators`` are logged in for the whole session, with no pauses and no inbound calls;
- a dial is answered with probability ``answer_rate``, after ``answer_min_s`` + exponential
  (mean ``answer_extra_mean_s``) seconds, redrawn until within ``ring_max_s``; an unanswered dial
  ends early (busy, unreachable: uniform 1-5 s) with probability ``early_fail_share``, else it
  rings until ``ring_max_s`` (no answer);
- talk ~ exponential(``talk_mean_s``), wrap-up ~ exponential(``wrap_mean_s``);
- an answered call goes to its reserved operator, else to any free one; with none free it is
  ABANDONED: the resident hears ``silence_s`` of silence and the call is dropped. Its target is
  queued for a retry that is placed only with an operator reserved
  (``pacing.requires_reserved_operator``), so it can never be abandoned twice.

Figures: occupancy = (talk + wrap-up) / logged-in time (handling share; the talk-only share is
``talk_share``), abandon_rate = abandoned / answered, talk_min_per_hour = talk minutes per
operator-hour, dials = calls placed.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import asdict, dataclass, field
from enum import IntEnum, StrEnum

from dialer.domain.estimates import Durations, Estimates, Ratio
from dialer.domain.pacing import Mode, Policy, Snapshot, decide


@dataclass(frozen=True)
class Workload:
    operators: int
    answer_rate: float
    talk_mean_s: float
    wrap_mean_s: float
    ring_max_s: float = 30.0
    hours: float = 1.0
    seed: int = 1
    answer_min_s: float = 3.0
    answer_extra_mean_s: float = 7.0
    early_fail_share: float = 0.25
    silence_s: float = 2.0
    tick_s: float = 1.0
    warmup_s: float = 0.0  # figures count only what happens after this (0: the whole session)

    def __post_init__(self) -> None:
        if self.operators < 1 or self.hours <= 0 or self.talk_mean_s <= 0:
            raise ValueError("need at least one operator, a positive duration and talk mean")
        if not 0.0 < self.answer_rate <= 1.0 or self.wrap_mean_s < 0:
            raise ValueError("answer rate must be in (0, 1], wrap-up mean >= 0")
        if self.ring_max_s < self.answer_min_s + 1 or self.ring_max_s < 5:
            raise ValueError("ring max must be at least 5 s and above the answer delay")
        if not 0 <= self.warmup_s < self.hours * 3600:
            raise ValueError("the warm-up must end before the session does")

    @property
    def measured_s(self) -> float:
        return self.hours * 3600.0 - self.warmup_s


@dataclass(frozen=True)
class Result:
    occupancy: float
    abandon_rate: float
    talk_min_per_hour: float
    dials: int
    talk_share: float
    answered: int
    abandoned: int
    reserved_retries: int
    silence_s: float
    predictive_share: float  # share of pacing decisions taken in predictive mode

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class Kind(IntEnum):
    ANSWER = 0
    FAIL = 1
    TALK_END = 2
    WRAP_END = 3
    TICK = 4


class Seat(StrEnum):
    IDLE = "idle"
    TALK = "talk"
    WRAP = "wrap"


@dataclass
class _Op:
    state: Seat = Seat.IDLE
    since: float = 0.0
    held_for: int | None = None  # the ringing call this idle operator is reserved for


@dataclass
class _Session:
    work: Workload
    policy: Policy
    rng: dict[str, random.Random]  # one stream per kind of draw: ring, talk, wrap
    estimates: Estimates
    ops: list[_Op]
    calls: dict[int, tuple[float, int | None, float]] = field(default_factory=dict)
    # call -> (start, held operator, Decision.risk it was placed with)
    heap: list[tuple[float, int, Kind, int]] = field(default_factory=list)
    seq: int = 0
    counts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("dials", "answered", "abandoned", "retries", "talk", "wrap", "decisions", "ahead"), 0.0))
    pending_retries: int = 0

    def push(self, at: float, kind: Kind, ref: int) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, ref))


def simulate(work: Workload, policy: Policy) -> Result:
    """Run one session of ``work.hours`` and return its figures."""
    streams = {name: random.Random(f"{work.seed}:{name}")  # noqa: S311 - a simulation
               for name in ("ring", "talk", "wrap")}
    session = _Session(work, policy, streams, _priors(work),
                       [_Op() for _ in range(work.operators)])
    end = work.hours * 3600.0
    session.push(0.0, Kind.TICK, 0)
    while session.heap and session.heap[0][0] <= end:
        at, _, kind, ref = heapq.heappop(session.heap)
        _handle(session, at, kind, ref)
        _pace(session, at)
    return _result(session, end)


def _priors(work: Workload) -> Estimates:
    """What a campaign would start from: last month's figures (here: the workload's)."""
    delay = work.answer_min_s + work.answer_extra_mean_s
    return Estimates(answer_rate=Ratio(prior=work.answer_rate),
                     answer_delay=Durations(prior_mean=delay),
                     failed_ring=Durations(prior_mean=work.ring_max_s),
                     talk=Durations(prior_mean=work.talk_mean_s),
                     wrap=Durations(prior_mean=max(work.wrap_mean_s, 1.0)))


def _handle(s: _Session, at: float, kind: Kind, ref: int) -> None:
    if kind is Kind.TICK:
        s.push(at + s.work.tick_s, Kind.TICK, 0)
    elif kind is Kind.ANSWER:
        _answered(s, at, ref)
    elif kind is Kind.FAIL:
        start, held, _ = s.calls.pop(ref)
        s.estimates = s.estimates.dial_ended(False, at - start)
        if held is not None:
            s.ops[held].held_for = None
    elif kind is Kind.TALK_END:
        _finish(s, ref, at, Seat.TALK, Seat.WRAP, _draw(s.rng["wrap"], s.work.wrap_mean_s))
    else:
        _finish(s, ref, at, Seat.WRAP, Seat.IDLE, None)


def _answered(s: _Session, at: float, call: int) -> None:
    start, held, risk = s.calls.pop(call)
    s.estimates = s.estimates.dial_ended(True, at - start)
    s.counts["answered"] += at >= s.work.warmup_s
    op = held if held is not None else _free_operator(s)
    s.estimates = s.estimates.answered(at, abandoned=op is None, risk=risk)
    if op is None:
        s.counts["abandoned"] += at >= s.work.warmup_s
        s.pending_retries += 1
        return
    s.ops[op] = _Op(Seat.TALK, at)
    s.push(at + _draw(s.rng["talk"], s.work.talk_mean_s), Kind.TALK_END, op)


def _draw(rng: random.Random, mean: float) -> float:
    return rng.expovariate(1.0 / mean) if mean > 0 else 0.0


def _finish(s: _Session, op: int, at: float, phase: Seat, after: Seat,
            next_s: float | None) -> None:
    spent = at - s.ops[op].since
    s.counts[phase] += at - max(s.ops[op].since, min(at, s.work.warmup_s))
    s.estimates = (s.estimates.talk_ended(spent) if phase is Seat.TALK
                   else s.estimates.wrap_ended(spent))
    s.ops[op] = _Op(after, at)
    if next_s is not None:
        s.push(at + next_s, Kind.WRAP_END, op)


def _free_operator(s: _Session) -> int | None:
    for i, op in enumerate(s.ops):
        if op.state is Seat.IDLE and op.held_for is None:
            return i
    return None


def _snapshot(s: _Session, at: float) -> Snapshot:
    idle = [op for op in s.ops if op.state is Seat.IDLE]
    return Snapshot(
        now=at, idle=len(idle), reserved=sum(1 for op in idle if op.held_for is not None),
        wrapping=tuple(at - op.since for op in s.ops if op.state is Seat.WRAP),
        talking=tuple(at - op.since for op in s.ops if op.state is Seat.TALK),
        ringing=tuple(at - start for start, held, _ in s.calls.values() if held is None))


def _pace(s: _Session, at: float) -> None:
    decision = decide(_snapshot(s, at), s.estimates, s.policy)
    measured = at >= s.work.warmup_s
    s.counts["decisions"] += measured
    s.counts["ahead"] += measured and decision.mode is Mode.PREDICTIVE
    retries = min(s.pending_retries, decision.reservable, decision.place)
    s.pending_retries -= retries
    s.counts["retries"] += retries if measured else 0
    for i in range(decision.place):
        reserve = i < retries or decision.mode is Mode.PROGRESSIVE
        _place(s, at, reserve, 0.0 if reserve else decision.risk, retry=i < retries)


def _place(s: _Session, at: float, reserve: bool, risk: float, retry: bool) -> None:
    held = _free_operator(s) if reserve else None
    if reserve and held is None:
        raise RuntimeError("pacing asked for a reserved call with no free operator")
    s.seq += 1
    call = s.seq
    if held is not None:
        s.ops[held].held_for = call
    s.calls[call] = (at, held, risk)
    s.counts["dials"] += at >= s.work.warmup_s
    answered, ring = _ring(s.rng["ring"], s.work)
    s.push(at + ring, Kind.ANSWER if answered else Kind.FAIL, call)
    if retry and not answered:
        s.pending_retries += 1  # still owed a reserved call


def _ring(rng: random.Random, work: Workload) -> tuple[bool, float]:
    if rng.random() < work.answer_rate:
        while True:
            delay = work.answer_min_s + rng.expovariate(1.0 / work.answer_extra_mean_s)
            if delay < work.ring_max_s:
                return True, delay
    if rng.random() < work.early_fail_share:
        return False, rng.uniform(1.0, 5.0)
    return False, work.ring_max_s


def _result(s: _Session, end: float) -> Result:
    for op in s.ops:
        if op.state is not Seat.IDLE:
            s.counts[op.state] += end - max(op.since, s.work.warmup_s)
    logged_in = s.work.operators * s.work.measured_s
    c = s.counts
    return Result(
        occupancy=(c["talk"] + c["wrap"]) / logged_in,
        abandon_rate=c["abandoned"] / c["answered"] if c["answered"] else 0.0,
        talk_min_per_hour=c["talk"] / 60.0 / (logged_in / 3600.0),
        dials=int(c["dials"]), talk_share=c["talk"] / logged_in, answered=int(c["answered"]),
        abandoned=int(c["abandoned"]), reserved_retries=int(c["retries"]),
        silence_s=c["abandoned"] * s.work.silence_s,
        predictive_share=c["ahead"] / c["decisions"] if c["decisions"] else 0.0)
