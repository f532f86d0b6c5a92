"""An operator in wrap-up after a call, with the real console service and web app on a real
SQLite file, and no Asterisk: what the database-fault tests need (a locked file, a full disk).

The resident's call went through the runner's states (reserved, bridged: the screen-pop opened
their record, talk ended); their result is what the operator saves. Also: holding the SQLite
file's write lock from another connection, a small tmpfs to put the file on, and the counts
that show a result recorded once.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, insert, select, text

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db import audit, migrate, users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import (
    Attempt,
    AuditEntry,
    Batch,
    CallNote,
    Debt,
    Target,
    TargetPhone,
)
from dialer.config import Settings
from dialer.domain.login import LoginPolicy
from dialer.domain.operators import SeatState
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.sessions import OperatorSessions
from dialer.services.governance import accounts
from dialer.services.supervision.health import Health
from tests.support.web_parts import service_parts

PASSWORD = "correct-horse-42"
NOW = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, a Tuesday
BUSY_TIMEOUT_MS = 300  # a locked file fails a write after this long (5000 in production)
CALL_ID = "att-fault-1"
RESIDENT = "障害　試子"  # personal data that must never reach an answer or the log
NUMBER = "0115550042"
CONFIG = """
[database]
url = "sqlite+aiosqlite:///{db}"
busy_timeout_ms = {busy}

[paths]
data_dir = "{data}"
"""
# What the operator saves: a payment promise on a debt type with the account-transfer prompt.
RESULT = {"code": "101", "note": "月末に納付予定（障害試験）", "account_transfer": "recommended"}


@dataclass
class Rig:
    settings: Settings
    database: Database
    db_file: Path
    pool: OperatorPool
    console: OperatorConsole
    app: web.Application
    user_id: int

    def hold_write_lock(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return hold_write_lock(self.db_file)

    async def recorded(self) -> tuple[int, str | None, int]:
        """(notes of the call, the attempt's result code, result.save lines in the access log)."""
        async with self.database.engine.connect() as conn:
            notes = await conn.scalar(select(func.count()).select_from(CallNote)
                                      .where(CallNote.attempt_id == CALL_ID))
            code = await conn.scalar(select(Attempt.result_code).where(Attempt.id == CALL_ID))
            saves = await conn.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "result.save", AuditEntry.object == f"call:{CALL_ID}"))
        return int(notes or 0), code, int(saves or 0)

    async def intact(self) -> tuple[str, bool]:
        """(``PRAGMA integrity_check``, the access log's hash chain holds)."""
        async with self.database.engine.connect() as conn:
            check = str(await conn.scalar(text("PRAGMA integrity_check")))
            chain = await audit.verify(conn)
        return check, chain.ok

    def state(self) -> SeatState:
        return self.pool.get(self.user_id).state


@contextlib.contextmanager
def hold_write_lock(db_file: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer, as SQLite sees it: ``BEGIN EXCLUSIVE`` on the file until the
    block ends (readers go on, in WAL mode; every writer waits busy_timeout, then fails)."""
    blocker = sqlite3.connect(db_file, isolation_level=None, timeout=0)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        yield blocker
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (root is needed; a refusal fails the test —
    a disk-full test that cannot fill a disk must not pass by skipping)."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                              str(where)], capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a {size} tmpfs at {where} for the disk-full test (it needs "
                    f"root and mount(8)): {mounted.stderr.strip() or mounted.returncode}",
                    pytrace=False)
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], timeout=30)


def fill(folder: Path) -> Path:
    """Fill the file system ``folder`` is on: a filler file written until ENOSPC."""
    filler = folder / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    for size in (4096, 512, 1):  # the last partial blocks too
        with contextlib.suppress(OSError), filler.open("ab", buffering=0) as out:
            while True:
                out.write(b"\0" * size)
    return filler


async def checkpoint(database: Database) -> None:
    """Empty the write-ahead log: the next write must take new space on the disk."""
    async with database.engine.connect() as conn:
        await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


@contextlib.asynccontextmanager
async def console_rig(db_dir: Path, data_dir: Path) -> AsyncIterator[Rig]:
    """The rig with its SQLite file (and WAL) in ``db_dir``; disposed when the block ends."""
    config_file = data_dir / "dialer.toml"
    config_file.write_text(CONFIG.format(db=db_dir / "centre.sqlite3", busy=BUSY_TIMEOUT_MS,
                                         data=data_dir / "data"), encoding="utf-8")
    settings = config.load(config_file)
    database = Database(settings)
    try:
        await migrate.upgrade_database(database)
        user_id = await _seed(database)
        yield await _wire(settings, database, db_dir / "centre.sqlite3", user_id)
    finally:
        await database.close()


async def _seed(database: Database) -> int:
    async with database.engine.begin() as conn:
        user_id = await users.add(conn, "op1", "OP1", "operator")
        batch = (await conn.execute(insert(Batch).values(
            debt_type="hoikuryo", month="2027-01", source_name="f.csv", sha256="0" * 64,
            encoding="cp932", imported_by="kanri").returning(Batch.id))).scalar_one()
        target = (await conn.execute(insert(Target).values(
            batch_id=batch, ref="T042", name=RESIDENT, kana="ショウガイ　タメコ", source_row=2,
            attempts=1, last_attempt_at=NOW).returning(Target.id))).scalar_one()
        await conn.execute(insert(TargetPhone).values(target_id=target, number=NUMBER,
                                                      position=0))
        await conn.execute(insert(Debt).values(target_id=target, source_row=2,
                                               fiscal_year=2026, installment="12月",
                                               due_date=date(2026, 12, 25), amount=23456))
        await conn.execute(insert(Attempt).values(
            id=CALL_ID, batch_id=batch, target_id=target, operator_id=user_id,
            phase="wrap_up", created_at=NOW - timedelta(minutes=3),
            dialed_at=NOW - timedelta(minutes=3), answered_at=NOW - timedelta(minutes=2),
            connected_at=NOW - timedelta(minutes=2), ended_at=NOW - timedelta(seconds=20),
            direction="out"))
    await accounts.set_password(database, "setup", "op1", PASSWORD, LoginPolicy())
    return user_id


async def _wire(settings: Settings, database: Database, db_file: Path, user_id: int) -> Rig:
    def clock() -> datetime:
        return NOW

    async def health() -> Health:
        return Health(settings.centre.name, "011-211-0000", True, "22.10.1", True)

    link = AmiLink(settings.ami)  # never connected: nothing is dialed
    pool = OperatorPool()
    store = DbAttemptStore(database, settings.classification, settings.tz)
    runner = CampaignRunner(link, store, pool, lambda: config.calendar(settings),
                            settings.classification, settings.centre.dedicated_number, clock)
    backend = Backend(health, database=database, settings=lambda: settings, clock=clock)
    console = OperatorConsole(database, pool, OperatorSessions(link, pool, clock), runner,
                              store, lambda _call: (), lambda: settings, clock, backend.hub)
    backend.console = console
    pool.add(user_id, "op1", "seat01")
    pool.connect(user_id, "PJSIP/seat01-00000001", NOW - timedelta(minutes=5))
    pool.reserve(user_id, CALL_ID, NOW - timedelta(minutes=3))
    pool.bridged(CALL_ID, NOW - timedelta(minutes=2))
    await console.changed(pool.get(user_id))  # the screen-pop: the resident's record opens
    pool.talk_ended(CALL_ID, NOW - timedelta(seconds=20))
    parts = await service_parts(settings, database, clock, link=link, pool=pool, runner=runner,
                                console=console)
    return Rig(settings, database, db_file, pool, console, parts.attach(create_app(backend)),
               user_id)
