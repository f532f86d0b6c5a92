"""`dialer lines`: lines the dedicated number needs (Erlang B), the wait (Erlang C), and the
trunk for both directions (the outbound peak plus the lines kept for callbacks)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from dialer.commands import Commands, UsageError, fraction
from dialer.config import Settings
from dialer.domain.erlang import Sizing, SizingError, size
from dialer.domain.line_budget import trunk_lines


def register(commands: Commands) -> None:
    cmd = commands.add_parser(
        "lines", help="size the trunk: callback lines (Erlang B), the wait (Erlang C), outbound",
        description="Lines so that at most --blocking of callers meet a busy signal; with "
                    "--operators, the chance of waiting and the mean wait, and lines sized "
                    "for the waiting callers too (a waiting caller holds a line). With "
                    "--outbound-peak, the trunk for both directions: the outbound calls in "
                    "flight at the busiest moment plus the callback reserve (never fewer than "
                    "--reserve-min), i.e. the [trunk] max_lines to contract for.")
    cmd.add_argument("--calls-per-hour", type=float, required=True,
                     help="callbacks in the busiest hour")
    cmd.add_argument("--aht", type=float, required=True, help="average handling time, s")
    cmd.add_argument("--blocking", type=fraction, default=0.01,
                     help="target share of callers meeting all lines busy (default 1%%)")
    cmd.add_argument("--operators", type=int, help="operators answering the queue")
    cmd.add_argument("--outbound-peak", type=int,
                     help="outbound calls in flight at the busiest moment (progressive: the "
                          "operators dialing; predictive: see `dialer simulate`)")
    cmd.add_argument("--reserve-min", type=int, default=2,
                     help="lines kept for callbacks at the least ([trunk] callback_reserve_min)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(handler=run, needs_settings=False)


def run(args: argparse.Namespace, _settings: Settings | None) -> int:
    if (args.outbound_peak is not None and args.outbound_peak < 0) or args.reserve_min < 0:
        raise UsageError("--outbound-peak and --reserve-min cannot be negative")
    try:
        sizing = size(args.calls_per_hour, args.aht, args.blocking, args.operators)
    except SizingError as exc:
        raise UsageError(str(exc)) from None
    trunk = (trunk_lines(args.outbound_peak, sizing.lines, args.reserve_min)
             if args.outbound_peak is not None else None)
    if args.json:
        data = {k: v for k, v in asdict(sizing).items() if v is not None}
        if trunk is not None:
            data |= {"outbound_peak": args.outbound_peak,
                     "callback_reserve": trunk - args.outbound_peak, "trunk_lines": trunk}
        print(json.dumps(data, indent=1))
    else:
        print(report(args, sizing, trunk))
    return 0


def report(args: argparse.Namespace, s: Sizing, trunk: int | None = None) -> str:
    lines = [f"offered load  {s.erlangs:.2f} erlangs ({args.calls_per_hour:g} calls/h x "
             f"{args.aht:g} s)"]
    if s.operators is not None and s.wait_probability is not None and s.mean_wait_s is not None:
        lines.append(f"operators     {s.operators}: {s.wait_probability:.1%} of callers wait, "
                     f"{s.mean_wait_s:.1f} s on average over all callers")
    lines.append(f"lines         {s.lines} (blocking {s.blocking:.2%}, target {args.blocking:.2%};"
                 f" a line is held {s.line_holding_s:.0f} s per call)")
    if trunk is not None:
        lines.append(f"trunk         {trunk} lines = outbound peak {args.outbound_peak} + "
                     f"callback reserve {trunk - args.outbound_peak} (set [trunk] max_lines)")
    return "\n".join(lines)
