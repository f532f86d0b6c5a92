"""Benchmark data in bulk: a migrated SQLite file with one batch of N fictitious targets, written
with plain sqlite3 ``executemany`` (1,000,000 targets in seconds, not through the importer).

The two states the campaign runner meets:

- ``fresh``: every target not yet called (attempts 0, no due time) — the first pass;
- ``retry``: a later day — no fresh target left, every one called before (its last attempt
  in ``attempts``); 40% finished, 35% waiting for a retry later today or tomorrow, 25% due
  again now.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dialer import config
from dialer.adapters.db import migrate
from dialer.config import Settings

# A Tuesday inside a calling window (see tests/asterisk/kit.py): the benches' "now".
NOW = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a UTC datetime in SQLite
CHUNK = 50_000


def settings_for(path: Path) -> Settings:
    """The built-in defaults, with the database at ``path``."""
    base = config.load(None)
    return dataclasses.replace(
        base, base_dir=path.parent,
        database=dataclasses.replace(base.database, url=f"sqlite+aiosqlite:///{path.name}"),
        paths=dataclasses.replace(base.paths, data_dir=path.parent))


def create(path: Path, targets: int, revision: str = "head") -> int:
    """A new database at ``path`` migrated to ``revision`` with one batch of ``targets``
    fresh targets (two numbers each); returns the batch id."""
    migrate.upgrade(settings_for(path), revision)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA synchronous=OFF")
        batch = conn.execute(
            "INSERT INTO batches (debt_type, month, source_name, sha256, encoding, imported_at,"
            " imported_by, rows_imported, rows_rejected, target_order, phone_order)"
            " VALUES ('hoikuryo', '2027-01', 'bench.csv', ?, 'utf-8', ?, 'bench', ?, 0, 'due',"
            " 'file')", (f"{targets:064d}", NOW.strftime(STAMP), targets)).lastrowid
        assert batch is not None
        for start in range(0, targets, CHUNK):
            rows = range(start + 1, min(targets, start + CHUNK) + 1)
            conn.executemany(
                "INSERT INTO targets (id, batch_id, ref, name, kana, source_row, attempts, done,"
                " phone_index) VALUES (?, ?, ?, '札幌 太郎', 'サッポロ タロウ', ?, 0, 0, 0)",
                ((n, batch, f"K{n:09d}", n + 1) for n in rows))
            conn.executemany(
                "INSERT INTO target_phones (target_id, number, position) VALUES (?, ?, ?)",
                _phones(rows))
        conn.commit()
    return int(batch)


def add_users(path: Path, count: int, role: str = "operator", first_id: int = 1,
              prefix: str = "op", password_hash: str | None = None) -> list[tuple[int, str]]:
    """Accounts ``first_id``.. (``count`` of them, logins ``op001``…; the attempts name the
    operator they reserved by id). With ``password_hash`` they can log in (no change asked)."""
    users = [(n, f"{prefix}{n:03d}") for n in range(first_id, first_id + count)]
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO users (id, login, display_name, role, active, created_at,"
            " password_hash, must_change, failed_logins) VALUES (?, ?, ?, ?, 1, ?, ?, 0, 0)",
            [(n, login, login, role, NOW.strftime(STAMP), password_hash)
             for n, login in users])
    return users


def _phones(rows: range) -> Iterator[tuple[int, str, int]]:
    for n in rows:
        yield n, f"090{n:08d}", 0
        yield n, f"011{n % 10_000_000:07d}", 1


def to_retry_state(path: Path) -> None:
    """Every target called before: 40% done, 35% due later, 25% due again now; the attempts
    left open by earlier measurements are closed (nothing is on a call)."""
    later = (NOW + timedelta(hours=2)).strftime(STAMP)
    tomorrow = (NOW + timedelta(hours=21)).strftime(STAMP)
    past = (NOW - timedelta(minutes=30)).strftime(STAMP)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("DELETE FROM attempts")
        conn.execute(
            "UPDATE targets SET attempts = 1 + id % 3, last_attempt_at = ?, "
            "done = (id % 20 < 8), "
            "next_due_at = CASE WHEN id % 20 < 8 THEN NULL WHEN id % 20 >= 15 THEN ? "
            "WHEN id % 2 = 0 THEN ? ELSE ? END",
            (past, past, later, tomorrow))
        conn.execute(
            "INSERT INTO attempts (id, batch_id, target_id, phone_index, phase, created_at,"
            " ended_at, result_code, result_at, direction)"
            " SELECT 'att-' || id, batch_id, id, 0, 'done', ?, ?,"
            " CASE WHEN done THEN '101' ELSE 'S02' END, ?, 'out' FROM targets",
            (past, past, past))
        conn.commit()


def set_up(path: Path, targets: int, state: str = "fresh") -> int:
    batch = create(path, targets)
    if state == "retry":
        to_retry_state(path)
    return batch


def main() -> None:
    """python -m tests.bench.seed FILE N [fresh|retry]: a database to look at."""
    path, count = Path(sys.argv[1]), int(sys.argv[2])
    print(set_up(path, count, sys.argv[3] if len(sys.argv) > 3 else "fresh"))


if __name__ == "__main__":
    main()
