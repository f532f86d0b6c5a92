"""`dialer calendar`: each day's kind, calling windows and periods — checked before a month."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from dialer import config
from dialer.commands import Commands, UsageError
from dialer.config import Settings
from dialer.domain import debt_types
from dialer.domain.calendar import DayInfo, DayKind

WEEKDAYS = "月火水木金土日"


def register(commands: Commands) -> None:
    cal = commands.add_parser("calendar", help="days, windows and periods over a date range")
    cal.add_argument("--from", dest="first", required=True, type=date.fromisoformat,
                     help="first day, YYYY-MM-DD")
    cal.add_argument("--to", dest="last", required=True, type=date.fromisoformat,
                     help="last day, YYYY-MM-DD")
    cal.add_argument("--debt-type", help="code or Japanese name (default: any debt type)")
    cal.add_argument("--json", action="store_true")
    cal.set_defaults(handler=show_calendar)


def kind_label(info: DayInfo) -> str:
    if info.kind is DayKind.CLOSED:
        return "closed"
    if info.kind is DayKind.WEEKDAY:
        return "weekday"
    return "holiday" if info.holiday_name else "weekend"


def as_json(info: DayInfo) -> dict[str, Any]:
    return {
        "date": info.day.isoformat(),
        "kind": kind_label(info),
        "holiday": info.holiday_name,
        "windows": [[str(w).split("-")[0], str(w).split("-")[1]] for w in info.windows],
        "calling": info.in_calling_period,
        "callback": info.in_callback_period,
    }


def show_calendar(args: argparse.Namespace, settings: Settings) -> int:
    if args.last < args.first or (args.last - args.first).days > 1100:
        raise UsageError("--to must be on or after --from, at most about three years later")
    code = debt_types.resolve(args.debt_type, settings.debt_types).code if args.debt_type else None
    days = config.calendar(settings).days(args.first, args.last, code)
    if args.json:
        print(json.dumps([as_json(d) for d in days], ensure_ascii=False, indent=1))
        return 0
    print(f"# {args.first} .. {args.last}  debt type: {code or 'any'}  ({settings.source})")
    for info in days:
        windows = " ".join(str(w) for w in info.windows) or "—"
        print(f"{info.day} {WEEKDAYS[info.day.weekday()]}  {kind_label(info):8} "
              f"{(info.holiday_name or ''):10}  {windows:24}  "
              f"calling {'yes' if info.in_calling_period else 'no ':3}  "
              f"callback {'yes' if info.in_callback_period else 'no'}")
    return 0
