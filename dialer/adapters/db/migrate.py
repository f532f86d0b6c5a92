"""Schema migrations without alembic.ini: ``upgrade(settings)`` brings a database (a fresh SQLite
file included) to the newest revision; ``upgrade_database`` does it inside a running loop.

New revision (developers): ``python -m dialer.adapters.db.migrate revision "message"`` compares
the models with a scratch database at head and writes the difference under ``versions/``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from dialer.adapters.db.engine import Database
from dialer.config import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UPGRADE_LOCK = 0x6469616C  # pg_advisory_xact_lock key held while a dialer upgrades the schema
log = logging.getLogger(__name__)
# Alembic says "Context impl SQLiteImpl" at INFO on every run; we log real upgrades ourselves.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


async def upgrade_database(database: Database, revision: str = "head") -> None:
    """Upgrade to ``revision``. Dialers starting together on one PostgreSQL database take turns
    (a transaction-scoped advisory lock): the first upgrades, the others find it done."""
    async with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        before = await conn.run_sync(_revision_of)
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
        after = await conn.run_sync(_revision_of)
    if after != before:
        log.info("database schema upgraded from %s to %s", before or "empty", after)


def _revision_of(sync: Connection) -> str | None:
    return MigrationContext.configure(sync).get_current_revision()


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as conn:
        return await conn.run_sync(_revision_of)


@asynccontextmanager
async def migrated(settings: Settings) -> AsyncIterator[Database]:
    """The configured database, upgraded to head first (a fresh SQLite file included)."""
    database = Database(settings)
    try:
        await upgrade_database(database)
        yield database
    finally:
        await database.close()


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Upgrade the configured database to ``revision`` (synchronous, for commands and tests)."""

    async def run() -> None:
        database = Database(settings)
        try:
            await upgrade_database(database, revision)
        finally:
            await database.close()

    asyncio.run(run())


def _revision(message: str) -> None:
    import dataclasses

    from dialer import config

    with tempfile.TemporaryDirectory() as scratch:
        settings = dataclasses.replace(config.load(None), base_dir=Path(scratch))
        settings = dataclasses.replace(settings, database=dataclasses.replace(
            settings.database, url="sqlite+aiosqlite:///scratch.sqlite3"))
        upgrade(settings)

        async def run() -> None:
            database = Database(settings)
            async with database.engine.begin() as conn:
                await conn.run_sync(lambda sync: command.revision(
                    alembic_config(sync), message, autogenerate=True))
            await database.close()

        asyncio.run(run())


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit("usage: python -m dialer.adapters.db.migrate revision MESSAGE")
    _revision(sys.argv[2])
