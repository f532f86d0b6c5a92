"""A consistent copy of the database while the service keeps writing to it, and putting one
back: SQLite's online backup API (page by page: writers go on between steps), or PostgreSQL's
``pg_dump`` custom format restored with ``pg_restore``. The password never appears on a command
line (``PGPASSWORD`` in the child's environment only)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 4096


class SnapshotError(Exception):
    """The copy could not be made or put back; the message says why (never the password)."""


def sqlite_copy(source: Path, target: Path) -> None:
    """``source`` (a live SQLite file in WAL mode) copied to ``target`` as one consistent
    database file, however the service writes meanwhile."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise SnapshotError(f"SQLite backup of {source.name} failed: {exc}") from None
    finally:
        src.close()


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = [f"--host={parsed.host or 'localhost'}", f"--port={parsed.port or 5432}",
            f"--username={parsed.username or ''}", f"--dbname={parsed.database or ''}"]
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    return args, env


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    binary = shutil.which(tool)
    if binary is None:
        raise SnapshotError(f"{tool} is not installed (Debian: postgresql-client)")
    done = subprocess.run([binary, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SnapshotError(f"{tool} failed: {done.stderr.strip()[-300:]}")


def pg_dump(url: str, target: Path) -> None:
    """The whole database in pg_dump's custom format (compressed, restorable table by table)."""
    args, env = _libpq(url)
    _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
                     *args], env)


def pg_restore(url: str, source: Path) -> None:
    """``source`` (from ``pg_dump``) into the empty database ``url``."""
    args, env = _libpq(url)
    _run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", *args,
                        str(source)], env)
