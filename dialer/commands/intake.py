"""`dialer import`, `dialer exclude`, `dialer batch …` and `dialer db …`: the loaned data.

Every command here upgrades the database schema first (a fresh SQLite file included). Refused
files exit 1 and change nothing; a wrong request exits 2.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import getpass
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from dialer.adapters.db import migrate
from dialer.adapters.db.engine import Database
from dialer.commands import Commands
from dialer.config import Settings
from dialer.domain.calllist import AssignmentProblem
from dialer.domain.intake.exclusions import LABELS, ExclusionReason
from dialer.services.governance import accounts
from dialer.services.governance.suspensions import DataSuspended
from dialer.services.intake import batches, exclusions
from dialer.services.intake import importer as intake
from dialer.services.intake.importer import ImportRequest, IntakeError, IntakeRefused

EXPECTED = (IntakeError, accounts.NotAllowed, accounts.AccountError, AssignmentProblem,
            DataSuspended)
Job = Callable[[argparse.Namespace, Settings, Database], Coroutine[Any, Any, int]]


def register(commands: Commands) -> None:
    imp = commands.add_parser("import", help="import a loaned-data file as a batch")
    imp.add_argument("file", type=Path)
    imp.add_argument("--debt-type", required=True, help="code or Japanese name")
    imp.add_argument("--month", required=True, help="YYYY-MM")
    imp.add_argument("--mapping", type=Path, help="TOML column-mapping override")
    imp.add_argument("--encoding", help="cp932, shift_jis, utf-8, utf-8-sig (default: detect)")
    imp.add_argument("--strict", action="store_true", help="refuse the file on any bad row")
    imp.add_argument("--force", action="store_true", help="import content imported before")
    add_common(imp, handler=import_file)

    exc = commands.add_parser("exclude", help="stop calling targets (file or one entry)")
    exc.add_argument("file", type=Path, nargs="?", help="stop list: 管理番号, 除外理由, 備考")
    exc.add_argument("--batch", type=int, required=True)
    exc.add_argument("--ref", help="one target's 管理番号 (manager entry, needs --as)")
    exc.add_argument("--reason", help=", ".join(f"{r.value} ({LABELS[r]})"
                                                for r in ExclusionReason))
    exc.add_argument("--note", help="why (required for 'other')")
    exc.add_argument("--encoding")
    exc.add_argument("--strict", action="store_true")
    add_common(exc, handler=exclude)

    batch = commands.add_parser("batch", help="imported batches").add_subparsers(
        dest="batch_command", required=True)
    add_common(batch.add_parser("list", help="every batch with its counts"), handler=list_batches)
    show = batch.add_parser("show", help="one batch and its exclusions")
    show.add_argument("batch", type=int)
    add_common(show, handler=show_batch)
    delete = batch.add_parser("delete", help="delete a batch and all its personal data")
    delete.add_argument("batch", type=int)
    add_common(delete, handler=delete_batch)

    db = commands.add_parser("db", help="the database schema").add_subparsers(
        dest="db_command", required=True)
    add_common(db.add_parser("upgrade", help="migrate to the newest schema"), handler=db_upgrade)


def add_common(parser: argparse.ArgumentParser, handler: Job) -> None:
    parser.add_argument("--as", dest="actor", metavar="LOGIN", help="your account (managers)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=functools.partial(run, handler))


def run(job: Job, args: argparse.Namespace, settings: Settings) -> int:
    """Upgrade the schema, run ``job``; expected problems print one line and exit 2."""

    async def main() -> int:
        async with migrate.migrated(settings) as database:
            return await job(args, settings, database)

    try:
        return asyncio.run(main())
    except EXPECTED as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return 2


def actor(args: argparse.Namespace) -> str:
    return str(args.actor or f"os:{getpass.getuser()}")


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str) if args.json else text)


async def import_file(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    if args.actor:
        async with database.connect() as conn:
            await accounts.require(conn, args.actor)
    request = ImportRequest(args.file, args.debt_type, args.month, args.mapping, args.strict,
                            args.force, args.encoding, actor(args))
    bar = _progress_bar() if sys.stderr.isatty() and not args.json else None
    try:
        result = await intake.import_file(database, settings, request, bar)
    except IntakeRefused as exc:
        return _refused(args, exc)
    finally:
        if bar is not None:
            print(file=sys.stderr)
    errors = f"; errors: {result.errors_file}" if result.errors_file else ""
    emit(args, result.as_json(),
         f"batch {result.batch}: {result.imported} rows imported ({result.targets} targets), "
         f"{result.rejected} rejected ({result.encoding}){errors}")
    return 0


def _refused(args: argparse.Namespace, exc: IntakeRefused) -> int:
    if args.json:
        print(json.dumps({"imported": 0, "rejected": exc.rejected, "batch": None,
                          "errors_file": str(exc.errors_file) if exc.errors_file else None,
                          "refused": exc.reason}, ensure_ascii=False))
    print(f"dialer: {exc}" + (f"; errors: {exc.errors_file}" if exc.errors_file else ""),
          file=sys.stderr)
    return 1


def _progress_bar() -> Callable[[float], None]:
    def show(done: float) -> None:
        filled = int(done * 40)
        print(f"\r[{'#' * filled}{'.' * (40 - filled)}] {done:4.0%}", end="", file=sys.stderr,
              flush=True)

    return show


async def exclude(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    if args.ref:
        if args.file or not args.reason:
            raise IntakeError("give either FILE, or --ref with --reason (and --as)")
        new = await exclusions.exclude_target(database, args.batch, args.ref, args.reason,
                                              args.note, args.actor)
        emit(args, {"excluded": int(new), "already_excluded": int(not new), "batch": args.batch},
             "excluded" if new else "already excluded for that reason")
        return 0
    if args.file is None:
        raise IntakeError("give a stop-list FILE or --ref")
    try:
        result = await exclusions.exclude_file(database, settings, args.batch, args.file,
                                               encoding=args.encoding, strict=args.strict,
                                               actor=actor(args))
    except IntakeRefused as exc:
        return _refused(args, exc)
    errors = f"; errors: {result.errors_file}" if result.errors_file else ""
    emit(args, result.as_json(), f"batch {result.batch}: {result.excluded} targets excluded, "
         f"{result.already} already, {result.rejected} rows rejected{errors}")
    return 0


async def list_batches(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    found = await batches.list_batches(database)
    emit(args, [vars(b) for b in found], "\n".join(
        f"{b.id:>5}  {b.debt_type:12} {b.month}  {b.targets:>7} targets  {b.excluded:>6} excluded"
        f"  {b.assigned:>7} assigned  {b.rows_rejected:>6} rejected  "
        f"{b.imported_at:%Y-%m-%d %H:%M} {b.imported_by}  {b.source_name}" for b in found)
        or "no batches")
    return 0


async def show_batch(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    found = [b for b in await batches.list_batches(database) if b.id == args.batch]
    if not found:
        raise IntakeError(f"no batch {args.batch}")
    excluded = await batches.exclusions_of(database, args.batch)
    lines = [f"{k}: {v}" for k, v in vars(found[0]).items()]
    lines += [f"  excluded {e.ref}  {e.reason} ({LABELS[ExclusionReason(e.reason)]})  "
              f"{e.source} {e.created_by} {e.created_at:%Y-%m-%d %H:%M}" for e in excluded]
    emit(args, {**vars(found[0]), "exclusions": [vars(e) for e in excluded]}, "\n".join(lines))
    return 0


async def delete_batch(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    deleted = await batches.delete_batch(database, settings, args.batch, args.actor)
    emit(args, {"batch": args.batch, "targets_deleted": deleted},
         f"batch {args.batch} deleted with its {deleted} targets")
    return 0


async def db_upgrade(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    revision = await migrate.current_revision(database)
    emit(args, {"revision": revision}, f"database at revision {revision}")
    return 0
