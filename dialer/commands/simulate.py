"""`dialer simulate`: a seeded dialing session run through the service's own pacing code."""

from __future__ import annotations

import argparse
import json

from dialer.commands import Commands, UsageError, fraction
from dialer.config import Settings
from dialer.domain.pacing import Mode, Policy
from dialer.domain.simulation import Result, Workload, simulate


def register(commands: Commands) -> None:
    cmd = commands.add_parser(
        "simulate", help="simulate a dialing session with the service's pacing",
        description="Discrete-event simulation driving dialer.domain.pacing (see "
                    "dialer/domain/simulation.py for the model). Occupancy = (talk + wrap-up) "
                    "/ logged-in time; abandon rate = abandoned / answered.")
    cmd.add_argument("--operators", type=int, required=True)
    cmd.add_argument("--answer-rate", type=fraction, default=0.3, help="default 0.3")
    cmd.add_argument("--talk-mean", type=float, default=150.0, help="seconds (default 150)")
    cmd.add_argument("--wrap-mean", type=float, default=30.0, help="seconds (default 30)")
    cmd.add_argument("--ring-max", type=float, default=30.0, help="ring timeout s (default 30)")
    cmd.add_argument("--hours", type=float, default=1.0, help="session length (default 1)")
    cmd.add_argument("--seed", type=int, default=1)
    cmd.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.PROGRESSIVE.value)
    cmd.add_argument("--abandon-cap", type=fraction, default=Policy().abandon_cap,
                     help="predictive: abandoned / answered over the rolling window "
                          "(default 0.01 = 1%%)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(handler=run, needs_settings=False)


def run(args: argparse.Namespace, _settings: Settings | None) -> int:
    try:
        work = Workload(operators=args.operators, answer_rate=args.answer_rate,
                        talk_mean_s=args.talk_mean, wrap_mean_s=args.wrap_mean,
                        ring_max_s=args.ring_max, hours=args.hours, seed=args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    policy = Policy(mode=Mode(args.mode), abandon_cap=args.abandon_cap)
    result = simulate(work, policy)
    if args.json:
        print(json.dumps({**result.as_dict(), "mode": policy.mode.value,
                          "abandon_cap": policy.abandon_cap, "operators": work.operators,
                          "hours": work.hours, "seed": work.seed}, indent=1))
    else:
        print(report(work, policy, result))
    return 0


def report(work: Workload, policy: Policy, r: Result) -> str:
    mode = policy.mode.value + (f" (cap {policy.abandon_cap:.1%})"
                                if policy.mode is Mode.PREDICTIVE else "")
    return "\n".join([
        f"# {work.hours:g} h, {work.operators} operators, {mode}, seed {work.seed}",
        f"occupancy          {r.occupancy:6.3f}  (talk + wrap-up share of logged-in time; "
        f"talk alone {r.talk_share:.3f})",
        f"abandon rate       {r.abandon_rate:6.2%}  ({r.abandoned} of {r.answered} answered; "
        f"{r.silence_s:g} s of silence in all)",
        f"talk min/op-hour   {r.talk_min_per_hour:6.1f}",
        f"dials              {r.dials:6d}  (reserved retries of abandoned calls: "
        f"{r.reserved_retries})",
        f"predictive share   {r.predictive_share:6.2f}  (decisions taken in predictive mode)",
    ])
