"""What the running service does when the rows other processes change cannot be read for a
while: the last ones stay applied, the fault is logged once, and the next change is picked up."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.engine import Database
from dialer.services.runtime.stamped_view import StampedView
from tests.component.governance.conftest import until


class Counter(StampedView[int]):
    what = "counters"

    def __init__(self, database: Database) -> None:
        super().__init__(database, interval_s=0.01)
        self.stamp, self.broken, self.applied = 1, False, [0]

    async def _read_stamp(self, conn: AsyncConnection) -> object:
        if self.broken:
            raise OperationalError("SELECT stamp", {}, Exception("database is locked"))
        return self.stamp

    async def _read(self, conn: AsyncConnection) -> list[int]:
        return [self.stamp]

    def _apply(self, found: list[int]) -> None:
        self.applied = found


async def test_an_unreadable_database_keeps_the_last_rows_and_is_logged_once(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    view = Counter(database)
    await view.load()
    watch = asyncio.create_task(view.watch())
    try:
        view.broken, view.stamp = True, 2
        await asyncio.sleep(0.2)  # some twenty polls fail
        assert view.applied == [1]
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "counters not readable" in errors[0].getMessage()
        assert "SELECT" not in errors[0].getMessage()  # no statement (nor its values) logged
        view.broken = False
        assert await until(lambda: view.applied == [2], 2.0) is not None
    finally:
        watch.cancel()
