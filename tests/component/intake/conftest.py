"""Intake fixtures: the accounts a manager acts with, and a whole-database snapshot
(the centre itself comes from tests/component/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dialer.adapters.db import users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Base


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
