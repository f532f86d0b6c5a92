"""Anchors of the access log: its head (row id, hash, time, row count) written to a small file the
city keeps — every day beside the daily reports in the outbox (``access-log-head_YYYYMMDD.txt``,
mode 0600), or by hand (``dialer audit head --out``). ``dialer audit verify --anchor`` checks that
the log still holds the anchored row with the anchored hash and as many rows up to it: a log cut
back at its end, or a chain recomputed even by someone holding the key, no longer fits an anchor
taken before. Writing an anchor is itself recorded (``audit.anchor``), in the transaction that
read the head.

The file is TOML (``row``, ``hash``, ``at``, ``rows``, ``taken``), readable by a person.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dialer.adapters.db import audit
from dialer.adapters.db.audit import Head
from dialer.adapters.db.engine import Connection, Database

PREFIX = "access-log-head_"


class AnchorError(ValueError):
    """An anchor file that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class AnchorCheck:
    path: Path
    head: Head
    problem: str  # "" when the log still fits the anchor

    @property
    def ok(self) -> bool:
        return not self.problem


def file_name(day: date) -> str:
    return f"{PREFIX}{day:%Y%m%d}.txt"


def text(head: Head, taken: datetime) -> str:
    return (f"# The access log's head, taken {taken.isoformat(timespec='seconds')}. Keep this "
            "file apart from the centre:\n# `dialer audit verify --anchor FILE` shows whether "
            "the log still holds this row with this hash.\n"
            f"row = {head.id}\nhash = \"{head.hash}\"\nat = \"{head.at.isoformat()}\"\n"
            f"rows = {head.rows}\ntaken = \"{taken.isoformat()}\"\n")


def write(path: Path, head: Head, taken: datetime) -> None:
    """``path`` (mode 0600; replaced if it exists)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text(head, taken))
    os.chmod(path, 0o600)


async def take(conn: Connection, path: Callable[[], Path], name: str, actor: str,
               taken: datetime) -> Head | None:
    """Write the head of the log as ``conn`` sees it to the file ``path()`` names and record it
    (as ``name``, the file's name the city knows); nothing for an empty log."""
    head = await audit.head(conn)
    if head is None:
        return None
    write(path(), head, taken)
    await audit.record(conn, actor, "audit.anchor", "audit_log", file=name, row=head.id,
                       hash=head.hash, rows=head.rows)
    return head


def read(path: Path) -> Head:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        head = Head(raw["row"], raw["hash"], datetime.fromisoformat(raw["at"]), raw["rows"])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError,
            TypeError, ValueError) as exc:
        raise AnchorError(f"{path}: not an access-log anchor ({exc})") from None
    if not (isinstance(head.id, int) and isinstance(head.rows, int)
            and isinstance(head.hash, str) and len(head.hash) == 64):
        raise AnchorError(f"{path}: not an access-log anchor (row, rows or hash malformed)")
    return head


def files(paths: list[Path]) -> list[Path]:
    """The anchor files named: files as they are, folders searched for ``access-log-head_*``."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob(f"{PREFIX}*.txt")))
        else:
            found.append(path)
    return found


async def check(database: Database, paths: list[Path]) -> list[AnchorCheck]:
    """Each anchor file against the log (``AnchorError`` for a file that cannot be read)."""
    heads = [(path, read(path)) for path in files(paths)]
    async with database.connect() as conn:
        return [AnchorCheck(path, head, await audit.check_anchor(conn, head))
                for path, head in heads]


async def current(database: Database) -> Head | None:
    async with database.connect() as conn:
        return await audit.head(conn)


async def take_now(database: Database, path: Path, actor: str, taken: datetime) -> Head | None:
    """An anchor taken by hand (``dialer audit head --out``), in its own transaction."""
    async with database.transaction() as conn:
        return await take(conn, lambda: path, path.name, actor, taken)
