"""A centre of its own per test: a TOML config in tmp_path, a real SQLite file, migrated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from dialer import config
from dialer.adapters.db import migrate, users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Base
from dialer.config import Settings

CONFIG = """
[database]
url = "sqlite+aiosqlite:///centre.sqlite3"

[paths]
data_dir = "data"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def settings(config_file: Path) -> Settings:
    return config.load(config_file)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    await migrate.upgrade_database(database)
    yield database
    await database.close()


@pytest.fixture
async def manager(database: Database) -> str:
    async with database.engine.begin() as conn:
        await users.add(conn, "kanri", "管理者", "manager")
        await users.add(conn, "op1", "オペ1", "operator", ["hoikuryo"])
        await users.add(conn, "op2", "オペ2", "operator", ["hoikuryo", "rojin"])
        await users.add(conn, "op3", "オペ3", "operator", ["rojin"])
    return "kanri"


async def snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: a refused import must leave this unchanged."""
    async with database.engine.connect() as conn:
        return {t.name: [tuple(r) for r in await conn.execute(text(f"SELECT * FROM {t.name}"))]
                for t in Base.metadata.sorted_tables}


async def count(database: Database, table: str) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
