"""Benchmark: how many of the people on a list a whole calling period reaches, naive retries
against the reach policy, with the same operator hours (issue 20).

    python -m tests.bench.bench_reach [--targets 5000] [--operators 20] [--days 20]

Three seeds each, simulated with ``dialer.domain.reach_sim`` (the population model is in its
docstring; every retry is planned by ``dialer.domain.reach_scheduling.plan``, the service's own
code). Each row is reproducible with ``dialer simulate reach --targets T --operators M --days D
--seed S --policy P``. Goal: reach reaches at least 8 points more of the people than naive, or
the same share with 25% fewer calls. Figures are merged into ``var/bench/results.json`` as
``reach_<policy>_<figure>`` (means over the seeds) and ``reach_gain_points``,
``reach_calls_ratio``.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from statistics import mean

from dialer.domain.calendar import Calendar
from dialer.domain.reach_scheduling import Policy
from dialer.domain.reach_sim import Outcome, Setup, simulate
from tests.bench.results import merge

SEEDS = (1, 2, 3)


def run_one(setup: Setup) -> tuple[Setup, Outcome]:
    return setup, simulate(setup, Calendar())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--targets", type=int, default=5000)
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--days", type=int, default=20)
    args = parser.parse_args()
    setups = [Setup(args.targets, args.operators, args.days, seed, policy)
              for policy in Policy for seed in SEEDS]
    with ProcessPoolExecutor() as pool:
        results = list(pool.map(run_one, setups))
    print(f"# {args.targets} targets, {args.operators} operators, {args.days} days")
    print(f"{'policy':6} {'seed':>4} {'reached':>8} {'calls':>7} {'calls/reached':>13} "
          f"{'contacts/call':>13} {'op hours':>8}")
    for setup, out in results:
        print(f"{setup.policy.value:6} {setup.seed:>4} {out.persons_reached_share:>8.1%} "
              f"{out.calls:>7} {out.calls_per_person_reached:>13.2f} "
              f"{out.contact_rate_per_call:>13.1%} {out.operator_hours:>8.0f}")
    means = {policy: {figure: mean(getattr(out, figure) for s, out in results
                                   if s.policy is policy)
                      for figure in ("persons_reached_share", "calls",
                                     "calls_per_person_reached", "contact_rate_per_call")}
             for policy in Policy}
    gain = 100 * (means[Policy.REACH]["persons_reached_share"]
                  - means[Policy.NAIVE]["persons_reached_share"])
    ratio = means[Policy.REACH]["calls"] / means[Policy.NAIVE]["calls"]
    print(f"reach - naive: {gain:+.1f} points of the people reached; calls x{ratio:.2f}")
    ok = gain >= 8 or (gain >= 0 and ratio <= 0.75)
    print(f"{'ok  ' if ok else 'MISS'} goal: +8 points, or the same share with 25% fewer calls")
    merge({**{f"reach_{p.value}_{k}": round(v, 4) for p, figures in means.items()
              for k, v in figures.items()},
           "reach_gain_points": round(gain, 2), "reach_calls_ratio": round(ratio, 3)})


if __name__ == "__main__":
    main()
