"""`dialer backup take / list / restore`: the centre's data (database and sealed recordings),
encrypted with ``[backup] key_file`` into ``[backup] dir``; the service also takes one every
night at ``[backup] at`` and keeps the newest ``[backup] keep``.

``restore`` unseals a backup into a fresh folder and prints the two settings that point a
service at it; a PostgreSQL backup goes into the empty database given by ``--database-url``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dialer.adapters.db.engine import Database
from dialer.commands import Commands
from dialer.commands.intake import actor, add_common, emit
from dialer.config import Settings
from dialer.services.governance import accounts, backups


def register(commands: Commands) -> None:
    sub = commands.add_parser("backup", help="encrypted backups of the centre's data") \
        .add_subparsers(dest="backup_command", required=True)
    add_common(sub.add_parser("take", help="take a backup now"), handler=take)
    add_common(sub.add_parser("list", help="the backups kept, oldest first"), handler=listing)
    restore = sub.add_parser("restore", help="unseal a backup into a fresh folder")
    restore.add_argument("file", type=Path)
    restore.add_argument("--into", type=Path, required=True, metavar="DIR",
                         help="a new or empty folder")
    restore.add_argument("--database-url", metavar="URL",
                         help="a PostgreSQL backup: the empty database to restore into")
    restore.add_argument("--json", action="store_true", help="machine-readable output")
    restore.set_defaults(handler=restore_backup, needs_settings=True)


async def take(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    if args.actor:
        async with database.connect() as conn:
            await accounts.require(conn, args.actor)
    try:
        done = await backups.take(settings, database, backups.plan_for(settings), actor(args))
    except backups.BackupError as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return 2
    emit(args, {"file": str(done.path), "size": done.size, "sha256": done.sha256,
                "database": done.database, "recordings": done.recordings,
                "removed": [str(p) for p in done.removed]},
         f"backup {done.path} ({done.size} bytes, {done.recordings} recordings"
         f"{f', {len(done.removed)} old removed' if done.removed else ''})")
    return 0


async def listing(args: argparse.Namespace, settings: Settings, _database: Database) -> int:
    found = backups.backups_in(backups.plan_for(settings).folder)
    emit(args, [{"file": str(p), "size": p.stat().st_size} for p in found],
         "\n".join(f"{p}  {p.stat().st_size} bytes" for p in found) or "no backups")
    return 0


def restore_backup(args: argparse.Namespace, settings: Settings) -> int:
    try:
        done = backups.restore(args.file, backups.plan_for(settings).key_file, args.into,
                               args.database_url)
    except backups.BackupError as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return 2
    url = (f"sqlite+aiosqlite:///{done.database_file}" if done.database_file
           else args.database_url)
    emit(args, {"folder": str(done.folder), "database": done.database, "url": url,
                "recordings": done.recordings, "taken_at": done.taken_at},
         f"restored the backup of {done.taken_at} into {done.folder}: {done.recordings} "
         f"recordings\nto run a service on it, set:\n  [database] url = \"{url}\"\n"
         f"  [paths] recordings_dir = \"{done.folder / 'recordings'}\"")
    return 0
