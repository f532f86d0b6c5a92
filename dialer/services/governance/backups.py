"""Backups of the centre's data (the database and the sealed emergency recordings), encrypted
with a key kept outside the data folder, taken while the service runs, pruned to a retention
count, and restored into a fresh folder.

* SQLite: the online backup API (a consistent copy while results keep being written);
  PostgreSQL: ``pg_dump`` (custom format), restored with ``pg_restore`` into an empty database.
* The snapshot exists in plain form only inside a private staging folder next to the backups,
  for the time it takes to seal it; it is then shredded.
* The backup key is created only when the backup folder holds no backup (a lost key is never
  silently replaced: the old backups would be unreadable). Keep a copy apart from the backups.
* Every backup taken is in the access log (file name, size, sha256; never its content).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dialer import config
from dialer.adapters import backup_archive, key_files, shred
from dialer.adapters.db import audit
from dialer.adapters.db import snapshot as db_snapshot
from dialer.adapters.db.engine import Database
from dialer.adapters.scheduler import Scheduler
from dialer.config import Settings

log = logging.getLogger(__name__)

SUFFIX = ".backup"
PREFIX = "dialer-backup-"
KEY_NAME = "backup key"
JOB_NAME = "nightly-backup"
NIGHTLY_ACTOR = "system:nightly-backup"
FORMAT = 1


class BackupError(Exception):
    """A backup could not be taken or restored; the message says why."""


@dataclass(frozen=True)
class Plan:
    folder: Path  # another disk than the data, in production
    key_file: Path  # outside the data folder and the backup folder
    keep: int  # how many backups are kept; older ones are destroyed


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    sha256: str
    database: str  # "sqlite" | "postgresql"
    recordings: int
    removed: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Restored:
    folder: Path
    database: str
    database_file: Path | None  # SQLite: the restored file
    recordings: int
    taken_at: str


def plan_for(settings: Settings) -> Plan:
    b = settings.backup
    return Plan(b.dir, b.key_file, b.keep)


def backups_in(folder: Path) -> list[Path]:
    """The backups in ``folder``, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX) and p.is_file()
                  and not p.is_symlink())


def _key(plan: Plan) -> bytes:
    if plan.key_file.exists():
        return key_files.read_key(plan.key_file, KEY_NAME)
    if backups_in(plan.folder):
        raise BackupError(f"{plan.key_file}: the backup key is missing but {plan.folder} holds "
                          "backups sealed with it; put the key back (no new key is made)")
    return key_files.create_key(plan.key_file, KEY_NAME)


async def take(settings: Settings, database: Database, plan: Plan, actor: str,
               now: datetime | None = None) -> Backup:
    """Take a backup now (in a worker thread), log it, and prune to ``plan.keep``."""
    moment = now or datetime.now(UTC)
    try:
        backup = await asyncio.to_thread(_take, settings, plan, moment)
    except (OSError, key_files.KeyFileError, db_snapshot.SnapshotError,
            backup_archive.ArchiveError) as exc:
        raise BackupError(f"backup failed: {exc}") from exc
    async with database.transaction() as conn:
        await audit.record(conn, actor, "backup.take", f"backup:{backup.path.name}",
                           size=backup.size, sha256=backup.sha256, database=backup.database,
                           recordings=backup.recordings, removed=len(backup.removed))
    log.info("backup %s taken (%d bytes, %d recordings, %d old removed)", backup.path.name,
             backup.size, backup.recordings, len(backup.removed))
    return backup


def _take(settings: Settings, plan: Plan, now: datetime) -> Backup:
    plan.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = _key(plan)
    staging = plan.folder / f".staging-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        kind, database_member = _snapshot(settings, staging)
        recordings = sorted(settings.paths.recordings_dir.glob("*.rec")) \
            if settings.paths.recordings_dir.is_dir() else []
        members = [database_member] + [(f"recordings/{p.name}", p) for p in recordings
                                       if p.is_file() and not p.is_symlink()]
        manifest: dict[str, Any] = {"format": FORMAT, "taken_at": now.isoformat(),
                                    "database": kind, "recordings": len(members) - 1}
        path = plan.folder / f"{PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}{SUFFIX}"
        digest = backup_archive.write(path, key, members, manifest)
    finally:
        shred.shred_all(shred.files_in(staging))
        staging.rmdir()
    removed = prune(plan.folder, plan.keep)
    return Backup(path, path.stat().st_size, digest, kind, len(members) - 1, tuple(removed))


def _snapshot(settings: Settings, staging: Path) -> tuple[str, tuple[str, Path]]:
    source = config.database_file(settings)
    if source is not None:
        target = staging / "database.sqlite3"
        db_snapshot.sqlite_copy(source, target)
        return "sqlite", ("database.sqlite3", target)
    target = staging / "database.pgdump"
    db_snapshot.pg_dump(settings.database.url, target)
    return "postgresql", ("database.pgdump", target)


def prune(folder: Path, keep: int) -> list[Path]:
    """Destroy the oldest backups beyond the newest ``keep``; the ones destroyed."""
    old = backups_in(folder)[:-keep] if keep > 0 else []
    shred.shred_all(old)
    return old


def restore(backup_file: Path, key_file: Path, into: Path,
            database_url: str | None = None) -> Restored:
    """Unseal ``backup_file`` into the fresh folder ``into``: ``database.sqlite3`` and
    ``recordings/`` there; a PostgreSQL dump goes into the empty database ``database_url``."""
    if into.exists() and any(into.iterdir()):
        raise BackupError(f"{into} is not empty: restore into a fresh folder")
    into.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        key = key_files.read_key(key_file, KEY_NAME)
        manifest = backup_archive.read(backup_file, key, into)
    except (OSError, key_files.KeyFileError, backup_archive.ArchiveError) as exc:
        shred.shred_all(shred.files_in(into))  # a part of a refused backup is not kept
        raise BackupError(f"restore failed: {exc}") from exc
    kind = str(manifest.get("database"))
    database_file = into / "database.sqlite3" if kind == "sqlite" else None
    if kind == "postgresql":
        dump = into / "database.pgdump"
        if not database_url:
            raise BackupError("a PostgreSQL backup: give the empty database to restore into "
                              "(--database-url); the dump was left in the folder")
        try:
            db_snapshot.pg_restore(database_url, dump)
        except db_snapshot.SnapshotError as exc:
            raise BackupError(f"restore failed: {exc}") from exc
        shred.shred(dump)
    recordings = len(list((into / "recordings").glob("*.rec"))) \
        if (into / "recordings").is_dir() else 0
    return Restored(into, kind, database_file, recordings, str(manifest.get("taken_at")))


def nightly_job(database: Database, settings: Callable[[], Settings]
                ) -> Callable[[], Awaitable[None]]:
    """The scheduler's job: a backup with the settings in force; a failure is logged (an
    error: the admin's monitoring picks it up) and tried again the next night."""
    async def job() -> None:
        current = settings()
        try:
            await take(current, database, plan_for(current), NIGHTLY_ACTOR)
        except BackupError as exc:
            log.error("nightly backup failed: %s", exc)
    return job


def schedule_nightly(scheduler: Scheduler, database: Database,
                     settings: Callable[[], Settings]) -> None:
    """The nightly backup at ``[backup] at`` (centre time), or none when it is empty."""
    at = settings().backup.at
    if not at:
        scheduler.cancel(JOB_NAME)
        return
    hour, minute = (int(part) for part in at.split(":"))
    scheduler.daily(JOB_NAME, hour, minute, nightly_job(database, settings))
