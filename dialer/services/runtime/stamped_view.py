"""A running service's copy of rows that other processes change too (suspension orders,
campaigns): read with a cheap change stamp first, then the rows; the stamp is polled every
``interval_s`` and the rows read again when it moved. A database that cannot be read meanwhile
leaves the last rows applied (logged once, retried)."""

from __future__ import annotations

import asyncio
import logging
from typing import Generic, TypeVar

from dialer.adapters.db.engine import Connection, Database, DatabaseError

log = logging.getLogger(__name__)

Row = TypeVar("Row")


class StampedView(Generic[Row]):
    """Subclasses say how to read the stamp and the rows, and what applying them means."""

    what = "rows"  # for the log: "suspension orders", "campaigns"

    def __init__(self, database: Database, interval_s: float) -> None:
        self._db = database
        self._interval_s = interval_s
        self._stamp: object = None
        self._failing = False

    async def _read_stamp(self, conn: Connection) -> object:
        raise NotImplementedError

    async def _read(self, conn: Connection) -> list[Row]:
        raise NotImplementedError

    def _apply(self, found: list[Row]) -> None:
        raise NotImplementedError

    async def load(self) -> None:
        """Read the rows and apply them (at start, and whenever the stamp moved)."""
        async with self._db.connect() as conn:
            stamp = await self._read_stamp(conn)  # first: a change after it is seen next time
            found = await self._read(conn)
        self._stamp = stamp
        self._apply(found)

    async def refresh(self) -> bool:
        """Reload when the rows were changed anywhere; whether they were."""
        async with self._db.connect() as conn:
            stamp = await self._read_stamp(conn)
        if stamp == self._stamp:
            return False
        await self.load()
        return True

    async def watch(self) -> None:
        """For the service's lifetime: pick up changes made by other processes."""
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.refresh()
            except DatabaseError as exc:  # the last rows stay applied meanwhile
                if not self._failing:
                    log.error("%s not readable (%s); retrying", self.what, type(exc).__name__)
                self._failing = True
            else:
                self._failing = False
