"""`dialer kpi --batch ID [--date D] [--json]`: one call list's 対象者接触率 (people on the list
reached at least once ÷ people on it, excluded ones apart) and 接触件数率 (contacts ÷ calls),
with its 想定架電件数, for its period to the end of ``--date`` (default: today, centre time).
Definitions in ``dialer.domain.reach``."""

from __future__ import annotations

import argparse
from datetime import date

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.commands import Commands, UsageError
from dialer.commands.intake import add_common, emit
from dialer.config import Settings
from dialer.services.reports.reach import UnknownBatch, batch_kpi


def register(commands: Commands) -> None:
    parser = commands.add_parser("kpi", help="対象者接触率 and 接触件数率 of one call list")
    parser.add_argument("--batch", required=True, type=int, metavar="ID",
                        help="the list (batch) number")
    parser.add_argument("--date", type=date.fromisoformat, metavar="DATE",
                        help="to the end of this day, YYYY-MM-DD (default: today)")
    add_common(parser, handler=show)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


async def show(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    day = args.date or config.today(settings)
    try:
        kpi = await batch_kpi(database, settings, args.batch, day)
    except UnknownBatch as exc:
        raise UsageError(str(exc)) from None
    data = kpi.as_json()
    planned = data["planned_calls"]
    emit(args, data, "\n".join([
        f"batch {data['batch']} ({data['debt_type']} {data['month']}) to {data['date']}",
        f"  対象者接触率 {_pct(data['person_contact_rate'])}: {data['persons_contacted']} reached"
        f" of {data['targets'] - data['excluded']} listed ({data['targets']} targets,"
        f" {data['excluded']} excluded; {data['persons_contacted_today']} first reached that day)",
        f"  接触件数率 {_pct(data['call_contact_rate'])}: {data['contacts']} contacts"
        f" of {data['calls']} calls",
        f"  想定架電件数 {'未設定' if planned is None else planned}",
        f"  projected at the period's end {_pct(data['projected_person_contact_rate'])}"]))
    return 0
