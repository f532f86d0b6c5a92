"""A database error never carries the values of the statement that failed (the engine hides
them): a refused write of a resident's number or name cannot put it into a log line."""

from __future__ import annotations

import pytest

from dialer.adapters.db import users
from dialer.adapters.db.engine import Conflict, Database

NUMBER = "09012345678"


async def test_a_failed_statement_does_not_show_its_values(database: Database) -> None:
    async with database.transaction() as conn:
        await users.add(conn, NUMBER, "電話　花子", "operator")
    with pytest.raises(Conflict) as failed:
        async with database.transaction() as conn:
            await users.add(conn, NUMBER, "電話　花子", "operator")
    assert NUMBER not in str(failed.value) and "花子" not in str(failed.value)
