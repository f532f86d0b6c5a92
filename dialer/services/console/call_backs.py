"""The console's call-back list: the residents to be called at a time agreed with them (the
dialer calls them then, on the number they gave), and the callers not identified who asked to
be called back on a number (someone calls them). Read from the batches in their calling or
callback period, one batch at a time; every reading is in the access log (counts only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dialer.adapters.db import appointments, audit, batches
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain import phone
from dialer.domain.calendar import Calendar

LOOK_BACK = timedelta(days=7)  # a call back asked for this long ago is still listed


class CallBacks:
    def __init__(self, database: Database, calendar: Callable[[], Calendar],
                 settings: Callable[[], Settings], clock: Callable[[], datetime]) -> None:
        self._db, self._calendar, self._settings, self._clock = (database, calendar, settings,
                                                                  clock)

    async def listing(self, actor: str) -> dict[str, Any]:
        now = self._clock()
        today, calendar = now.date(), self._calendar()
        names = {d.code: d.name for d in self._settings().debt_types}
        tz = self._settings().tz
        async with self._db.transaction() as conn:
            known = await batches.list_all(conn)
            wanted = [b.id for b in known
                      if calendar.in_callback_period(today, b.debt_type, b.month)
                      or calendar.in_calling_period(today, b.debt_type, b.month)]
            due: list[appointments.TargetCallBack] = []
            for batch_id in wanted:
                due += await appointments.targets_due(conn, batch_id, now - LOOK_BACK)
            callers = await appointments.callers_due(conn, now - LOOK_BACK)
            await audit.record(conn, actor, "callbacks.view", "callbacks",
                               targets=len(due), callers=len(callers))
        return {"now": _local(now, tz),
                "targets": [{"at": _local(c.at, tz), "debt_type": names.get(c.debt_type,
                                                                            c.debt_type),
                             "ref": c.ref, "operator": c.operator, "overdue": c.at < now}
                            for c in sorted(due, key=lambda c: c.at)],
                "callers": [{"at": _local(c.at, tz), "called_at": _local(c.called_at, tz),
                             "overdue": c.at is None or c.at < now,
                             "number": phone.display(c.number) if c.number else "",
                             "note": c.note, "operator": c.operator} for c in callers]}


def _local(at: datetime | None, tz: Any) -> str | None:
    return at.astimezone(tz).isoformat() if at else None
