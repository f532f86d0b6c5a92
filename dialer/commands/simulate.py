"""`dialer simulate`: a seeded dialing session run through the service's own pacing code;
`dialer simulate reach`: a whole calling period run through its own retry planning, to measure
how many of the people on a list are reached (see dialer/domain/reach_sim.py for the model)."""

from __future__ import annotations

import argparse
import json

from dialer import config
from dialer.commands import Commands, UsageError, fraction
from dialer.config import Settings
from dialer.domain import reach_sim
from dialer.domain.pacing import Mode, Policy
from dialer.domain.reach_scheduling import Policy as ReachPolicy
from dialer.domain.reach_sim import Setup
from dialer.domain.retry import Limits
from dialer.domain.simulation import Result, Workload, simulate


def register(commands: Commands) -> None:
    cmd = commands.add_parser(
        "simulate", help="simulate a dialing session with the service's pacing",
        description="Discrete-event simulation driving dialer.domain.pacing (see "
                    "dialer/domain/simulation.py for the model). Occupancy = (talk + wrap-up) "
                    "/ logged-in time; abandon rate = abandoned / answered.")
    cmd.add_argument("--operators", type=int, help="required")
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
    sub = cmd.add_subparsers(dest="simulation")
    reach = sub.add_parser(
        "reach", help="a whole calling period: the share of people reached by a policy",
        description="Seeded simulation of a calling period (population model in "
                    "dialer/domain/reach_sim.py) whose retries are planned by the service's own "
                    "code; naive = fixed delay, same number; reach = rotate windows and numbers.")
    reach.add_argument("--targets", type=int, required=True)
    reach.add_argument("--operators", type=int, required=True)
    reach.add_argument("--days", type=int, required=True, help="calendar days from a Monday")
    reach.add_argument("--seed", type=int, default=1)
    reach.add_argument("--policy", choices=[p.value for p in ReachPolicy],
                       default=ReachPolicy.REACH.value)
    reach.add_argument("--json", action="store_true")
    reach.set_defaults(handler=run_reach, needs_settings=True)


def run_reach(args: argparse.Namespace, settings: Settings) -> int:
    """The calendar's windows and the limits are the configuration's (built-in by default)."""
    try:
        setup = Setup(args.targets, args.operators, args.days, args.seed,
                      ReachPolicy(args.policy),
                      Limits(settings.calling.per_day, settings.calling.total))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = reach_sim.simulate(setup, config.calendar(settings), settings.classification)
    figures = {**out.as_dict(), "policy": setup.policy.value, "targets": setup.targets,
               "operators": setup.operators, "days": setup.days, "seed": setup.seed}
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print("\n".join([
            f"# {setup.targets} targets, {setup.operators} operators, {setup.days} days, "
            f"policy {setup.policy.value}, seed {setup.seed}",
            f"persons reached     {out.persons_reached_share:6.1%}  ({out.persons_reached} of "
            f"{out.persons}: 対象者接触率)",
            f"calls               {out.calls:6d}  ({out.calls_per_person_reached:.2f} per "
            f"person reached)",
            f"contacts per call   {out.contact_rate_per_call:6.1%}  (接触件数率)",
            f"operator hours      {out.operator_hours:6.0f}",
        ]))
    return 0


def run(args: argparse.Namespace, _settings: Settings | None) -> int:
    if args.operators is None:
        raise UsageError("the following arguments are required: --operators")
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
