"""`dialer lines`: lines the dedicated number needs (Erlang B), and the wait (Erlang C)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from dialer.commands import Commands, UsageError, fraction
from dialer.config import Settings
from dialer.domain.erlang import Sizing, SizingError, size


def register(commands: Commands) -> None:
    cmd = commands.add_parser(
        "lines", help="size the dedicated number's lines (Erlang B) and the wait (Erlang C)",
        description="Lines so that at most --blocking of callers meet a busy signal; with "
                    "--operators, the chance of waiting and the mean wait, and lines sized "
                    "for the waiting callers too (a waiting caller holds a line).")
    cmd.add_argument("--calls-per-hour", type=float, required=True, help="busiest hour")
    cmd.add_argument("--aht", type=float, required=True, help="average handling time, s")
    cmd.add_argument("--blocking", type=fraction, default=0.01,
                     help="target share of callers meeting all lines busy (default 1%%)")
    cmd.add_argument("--operators", type=int, help="operators answering the queue")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(handler=run, needs_settings=False)


def run(args: argparse.Namespace, _settings: Settings | None) -> int:
    try:
        sizing = size(args.calls_per_hour, args.aht, args.blocking, args.operators)
    except SizingError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        data = {k: v for k, v in asdict(sizing).items() if v is not None}
        print(json.dumps(data, indent=1))
    else:
        print(report(args, sizing))
    return 0


def report(args: argparse.Namespace, s: Sizing) -> str:
    lines = [f"offered load  {s.erlangs:.2f} erlangs ({args.calls_per_hour:g} calls/h x "
             f"{args.aht:g} s)"]
    if s.operators is not None and s.wait_probability is not None and s.mean_wait_s is not None:
        lines.append(f"operators     {s.operators}: {s.wait_probability:.1%} of callers wait, "
                     f"{s.mean_wait_s:.1f} s on average over all callers")
    lines.append(f"lines         {s.lines} (blocking {s.blocking:.2%}, target {args.blocking:.2%};"
                 f" a line is held {s.line_holding_s:.0f} s per call)")
    return "\n".join(lines)
