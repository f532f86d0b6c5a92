"""Governance fixtures: a manager and an operator account (the centre comes from
tests/component/conftest.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from dialer.adapters.db import users
from dialer.adapters.db.engine import Database


@pytest.fixture
async def manager(database: Database) -> str:
    async with database.engine.begin() as conn:
        await users.add(conn, "kanri", "管理者", "manager")
        await users.add(conn, "op1", "オペ1", "operator", ["hoikuryo"])
    return "kanri"


async def until(predicate: Callable[[], bool], timeout_s: float) -> float | None:
    """Seconds until ``predicate`` held (None if it did not within ``timeout_s``)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if predicate():
            return time.monotonic() - start
        await asyncio.sleep(0.01)
    return None
