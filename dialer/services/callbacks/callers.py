"""Who may be calling back, looked up when the gate answers a call on the dedicated number.

Only batches whose debt type is in its callback-handling period today are searched, each on its
own (dialer.adapters.db.callers); the operator then confirms identity (本人確認) before anything
else opens. A lookup that fails never delays or breaks the call: it just finds no candidate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from dialer.adapters.db import batches
from dialer.adapters.db.callers import CallerCandidate, candidates
from dialer.adapters.db.engine import Database, DatabaseError
from dialer.domain import phone
from dialer.domain.calendar import Calendar

log = logging.getLogger(__name__)


class CallerLookup:
    def __init__(self, database: Database, calendar: Callable[[], Calendar],
                 clock: Callable[[], datetime]) -> None:
        self._db, self._calendar, self._clock = database, calendar, clock

    async def __call__(self, caller: str) -> list[CallerCandidate]:
        try:
            number = phone.normalize(caller)
        except phone.PhoneError:
            return []  # withheld or foreign: nobody to match
        try:
            return await candidates(self._db, number, await self._open_batches())
        except DatabaseError as exc:
            log.error("caller lookup failed: %s", exc)
            return []

    async def _open_batches(self) -> list[int]:
        today, cal = self._clock().date(), self._calendar()
        async with self._db.connect() as conn:
            known = await batches.list_all(conn)
        return [b.id for b in known if cal.in_callback_period(today, b.debt_type, b.month)]
