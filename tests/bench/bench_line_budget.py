"""Benchmark: one trunk shared by outbound calls and callbacks, for a simulated day, with and
without the line budget (``dialer.domain.line_budget``).

    python -m tests.bench.bench_line_budget [--seed 1] [--lines 30]

The model (seeded, seconds of CPU): a day of 9 calling hours; the dialer has operators enough
to fill the trunk (predictive at its most eager): every second it places as many calls as the
trunk allows — without the budget every free line, with it ``Lines.outbound_room``, the reserve
re-sized every minute by Erlang B on the last 60 minutes of callbacks. An outbound call rings
3-25 s; 30% answer and talk exp(150 s). Residents call back as a Poisson stream whose rate
follows the day (``CALLBACKS_PER_HOUR``) and hold a line exp(``CALLBACK_HOLD_S``) (greeting,
wait and talk); a caller meeting every line taken is refused by the carrier (呼損).

Figures: callback blocking = refused / callers; outbound occupancy = outbound line-seconds /
(lines x day); outbound calls placed. Targets: with the budget, blocking <= 0.5% (the 0.1%
target per hour plus the minute between re-sizings); without it, printed for comparison.
Merged into ``var/bench/results.json`` as ``line_budget_<run>_<figure>``.
"""

from __future__ import annotations

import argparse
import heapq
import random
from dataclasses import dataclass

from dialer.domain.line_budget import Holding, LinePolicy, lines_now
from tests.bench.results import merge

HOURS = 9
CALLBACKS_PER_HOUR = (12, 30, 45, 30, 20, 35, 50, 40, 20)  # the day's profile, hour by hour
CALLBACK_HOLD_S = 240.0
ANSWER_RATE = 0.3
TALK_MEAN_S = 150.0
RESIZE_EVERY_S = 60


@dataclass(frozen=True)
class DayResult:
    callers: int
    refused: int
    outbound_line_s: float
    placed: int
    lines: int
    day_s: float
    reserve_max: int = 0

    @property
    def blocking(self) -> float:
        return self.refused / self.callers if self.callers else 0.0

    @property
    def occupancy(self) -> float:
        return self.outbound_line_s / (self.lines * self.day_s)


def callback_arrivals(rng: random.Random) -> list[float]:
    arrivals, t = [], 0.0
    for hour, rate in enumerate(CALLBACKS_PER_HOUR):
        t = hour * 3600.0
        while True:
            t += rng.expovariate(rate / 3600.0)
            if t >= (hour + 1) * 3600.0:
                break
            arrivals.append(t)
    return arrivals


def outbound_hold(rng: random.Random) -> float:
    ring = rng.uniform(3.0, 25.0)
    return ring + (rng.expovariate(1 / TALK_MEAN_S) if rng.random() < ANSWER_RATE else 0.0)


def simulate_day(lines: int, budget: bool, seed: int) -> DayResult:
    """One day, second by second; the same seed gives the same callers in both runs."""
    policy = LinePolicy(lines, reserve_min=2, blocking=0.001)
    callers_rng, outbound_rng = random.Random(seed), random.Random(seed + 1)
    arrivals = callback_arrivals(callers_rng)
    holds = [callers_rng.expovariate(1 / CALLBACK_HOLD_S) for _ in arrivals]
    day_s = HOURS * 3600
    outbound_ends: list[float] = []  # a heap of end times
    callback_ends: list[float] = []
    history: list[Holding] = []
    refused = placed = next_caller = reserve_max = 0
    line_s, reserve = 0.0, policy.reserve_min
    for second in range(day_s):
        now = float(second)
        while outbound_ends and outbound_ends[0] <= now:
            heapq.heappop(outbound_ends)
        while callback_ends and callback_ends[0] <= now:
            heapq.heappop(callback_ends)
        while next_caller < len(arrivals) and arrivals[next_caller] < now + 1:
            at, hold = arrivals[next_caller], holds[next_caller]
            next_caller += 1
            if len(outbound_ends) + len(callback_ends) >= lines:
                refused += 1
                continue
            heapq.heappush(callback_ends, at + hold)
            history.append(Holding(at, at + hold))
        if budget and second % RESIZE_EVERY_S == 0:
            history = [h for h in history if (h.ended or now) > now - policy.window_s]
            past = [h if (h.ended or now) <= now else Holding(h.started) for h in history]
            reserve = lines_now(policy, past, now, 0).reserve
            reserve_max = max(reserve_max, reserve)
        cap = lines - max(reserve, len(callback_ends)) if budget else lines
        room = max(0, min(cap, lines - len(callback_ends)) - len(outbound_ends))
        for _ in range(room):
            heapq.heappush(outbound_ends, now + outbound_hold(outbound_rng))
        placed += room
        line_s += len(outbound_ends)
    return DayResult(len(arrivals), refused, line_s, placed, lines, day_s, reserve_max)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lines", type=int, default=30)
    args = parser.parse_args()
    runs = {name: simulate_day(args.lines, name == "budget", args.seed)
            for name in ("no_budget", "budget")}
    print(f"# {args.lines} lines, {HOURS} h, callbacks/h {CALLBACKS_PER_HOUR}, hold "
          f"{CALLBACK_HOLD_S:.0f} s; outbound fills what it may; seed {args.seed}")
    print(f"{'run':10} {'callers':>7} {'refused':>7} {'blocking':>9} {'out occ.':>8} "
          f"{'placed':>7} {'reserve max':>11}")
    for name, r in runs.items():
        print(f"{name:10} {r.callers:>7} {r.refused:>7} {r.blocking:>9.3%} {r.occupancy:>8.3f} "
              f"{r.placed:>7} {r.reserve_max:>11}")
    without, with_ = runs["no_budget"], runs["budget"]
    ratio = with_.occupancy / without.occupancy
    print(f"outbound occupancy with / without the budget: {ratio:.3f}; callback blocking "
          f"{without.blocking:.2%} -> {with_.blocking:.3%}")
    ok = with_.blocking <= 0.005
    print(f"{'ok  ' if ok else 'MISS'} callback blocking with the budget "
          f"{with_.blocking:.3%} <= 0.5%")
    figures: dict[str, float] = {"line_budget_lines": args.lines, "line_budget_seed": args.seed,
                                 "line_budget_occupancy_ratio": round(ratio, 4)}
    for name, r in runs.items():
        figures |= {f"line_budget_{name}_blocking": round(r.blocking, 5),
                    f"line_budget_{name}_outbound_occupancy": round(r.occupancy, 4),
                    f"line_budget_{name}_placed": r.placed}
    merge(figures)


if __name__ == "__main__":
    main()
