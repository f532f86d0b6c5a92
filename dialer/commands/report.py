"""`dialer report daily / monthly / final`: the reports for the city, on demand.

The files go to ``[paths] outbox_dir`` (or ``--out DIR``), under the names the report
definitions give (date and debt type in them), as .xlsx and CSV (CP932, CRLF). Running a
report again replaces its files. Every generation is in the access log; ``--as LOGIN`` names
the manager (checked), otherwise the operating-system user is recorded.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.commands import Commands, UsageError
from dialer.commands.intake import actor, add_common, emit
from dialer.config import Settings
from dialer.services.governance import accounts
from dialer.services.reports import city_reports as reports
from dialer.services.reports.city_reports import Generated, ReportError


def register(commands: Commands) -> None:
    sub = commands.add_parser("report", help="reports for the city (daily, monthly, final)") \
        .add_subparsers(dest="report_command", required=True)
    daily = sub.add_parser("daily", help="業務日報, 架電先別結果報告, エスカレーション案件リスト")
    daily.add_argument("--date", type=date.fromisoformat, metavar="DATE",
                       help="the day reported on, YYYY-MM-DD (default: yesterday)")
    _out(daily)
    add_common(daily, handler=daily_report)
    monthly = sub.add_parser("monthly", help="業務月報")
    monthly.add_argument("--month", required=True, metavar="YYYY-MM")
    _out(monthly)
    add_common(monthly, handler=monthly_report)
    final = sub.add_parser("final", help="業務報告書 for the contract period")
    final.add_argument("--from", dest="first", required=True, type=date.fromisoformat,
                       metavar="DATE", help="first day, YYYY-MM-DD")
    final.add_argument("--to", dest="last", required=True, type=date.fromisoformat,
                       metavar="DATE", help="last day, YYYY-MM-DD (inclusive)")
    _out(final)
    add_common(final, handler=final_report)


def _out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write there instead of [paths] outbox_dir")


async def _who(args: argparse.Namespace, database: Database) -> str:
    if args.actor:
        async with database.connect() as conn:
            await accounts.require(conn, args.actor)
    return actor(args)


def _done(args: argparse.Namespace, result: Generated) -> int:
    emit(args, result.as_json(), "\n".join(
        [f"{result.kind} report for {result.subject}: {len(result.files)} files",
         *(f"  {f}" for f in result.files)]))
    return 0


async def daily_report(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    day = args.date or config.today(settings) - timedelta(days=1)
    result = await reports.generate_daily(database, settings, day, await _who(args, database),
                                          args.out)
    return _done(args, result)


async def monthly_report(args: argparse.Namespace, settings: Settings,
                         database: Database) -> int:
    try:
        result = await reports.generate_monthly(database, settings, args.month,
                                                await _who(args, database), args.out)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    return _done(args, result)


async def final_report(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    try:
        result = await reports.generate_final(database, settings, args.first, args.last,
                                              await _who(args, database), args.out)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    return _done(args, result)
