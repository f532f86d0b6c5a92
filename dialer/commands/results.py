"""`dialer results import`: results made outside the system (the paper fallback, SPEC §9(6)).

Managers only (``--as LOGIN``). Every bad row is listed with its row number and reason; the
exit code is 0 when the file was taken (its good rows recorded), 1 when it was refused and
nothing changed, 2 for a wrong request.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from dialer.adapters.db.engine import Database
from dialer.commands import Commands
from dialer.commands.intake import add_common, emit
from dialer.config import Settings
from dialer.domain.intake.rows import RowError
from dialer.services.intake import results_import
from dialer.services.intake.results_import import ResultsRefused, ResultsRequest

SHOWN_ERRORS = 200  # rows listed on the terminal (the error report has them all)


def register(commands: Commands) -> None:
    group = commands.add_parser("results", help="results made outside the system").add_subparsers(
        dest="results_command", required=True)
    imp = group.add_parser(
        "import", help="record a file of results made on the paper list (manager, --as)",
        description="CSV or .xlsx with 管理番号, 日時 (YYYY-MM-DD HH:MM, the centre's time), "
                    "結果コード and optionally メモ, 担当, 区分 (発信/着信); the paper list's "
                    "CSV with 日時 and 結果 filled in is such a file.")
    imp.add_argument("file", type=Path)
    imp.add_argument("--batch", type=int, required=True, help="the list the results belong to")
    imp.add_argument("--encoding", help="cp932, shift_jis, utf-8, utf-8-sig (default: detect)")
    imp.add_argument("--strict", action="store_true", help="record nothing if any row is bad")
    add_common(imp, handler=import_results)


async def import_results(args: argparse.Namespace, settings: Settings,
                         database: Database) -> int:
    request = ResultsRequest(args.batch, args.file, args.actor, args.encoding, args.strict)
    try:
        result = await results_import.import_results(database, settings, request,
                                                     datetime.now(settings.tz))
    except ResultsRefused as exc:
        return _refused(args, exc)
    head = (f"batch {result.batch}: {result.recorded} results recorded, {result.already} "
            f"recorded before, {result.rejected} rows rejected ({result.encoding})")
    if result.recorded == 0 and result.already and not result.rejected:
        head = f"batch {result.batch}: nothing recorded: all {result.already} results in the " \
               "file were recorded before"
    errors = f"\nerrors: {result.errors_file}" if result.errors_file else ""
    emit(args, result.as_json(), "\n".join([head, *_lines(result.errors)]) + errors)
    return 0


def _refused(args: argparse.Namespace, exc: ResultsRefused) -> int:
    if args.json:
        print(json.dumps({"batch": args.batch, "recorded": 0, "refused": exc.reason,
                          "errors": results_import.error_dicts(exc.errors),
                          "errors_file": str(exc.errors_file) if exc.errors_file else None},
                         ensure_ascii=False))
    elif exc.errors:
        print("\n".join(_lines(exc.errors)), file=sys.stderr)
    print(f"dialer: {exc}; nothing recorded", file=sys.stderr)
    return 1


def _lines(errors: tuple[RowError, ...]) -> list[str]:
    lines = [f"  row {e.row}: {e.column} {e.value}: {e.reason}" for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"  … and {len(errors) - SHOWN_ERRORS} more (see the error report)")
    return lines
