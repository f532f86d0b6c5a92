"""The schema comes from alembic migrations; a fresh SQLite file or PostgreSQL database upgrades
to head."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from dialer.adapters.db import migrate
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Base
from dialer.config import Settings


@pytest.mark.fresh_database
def test_a_fresh_database_upgrades_to_head_and_matches_the_models(settings: Settings,
                                                                  db_backend: str) -> None:
    migrate.upgrade(settings)
    migrate.upgrade(settings)  # twice is harmless

    async def check() -> None:
        database = Database(settings)
        try:
            assert await migrate.current_revision(database) == migrate.head()
            async with database.engine.connect() as conn:
                diff = await conn.run_sync(lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata))
                assert diff == []
                if db_backend == "sqlite":
                    assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
                    assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        finally:
            await database.close()

    asyncio.run(check())
    assert Path(str(settings.base_dir / "centre.sqlite3")).exists() == (db_backend == "sqlite")
