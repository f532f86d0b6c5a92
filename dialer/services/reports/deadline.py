"""The daily reports' deadline watched (SPEC §13(1): day D's reports by 09:30 on D+1).

From ``[reports] deadline_at`` (default 09:00) on D+1, ``DeadlineWatch.check`` (every minute)
looks for day D's reports in the outbox (the access log's ``report.generate`` row, written with
the files). Missing, they are *overdue*: the board shows it (``overdue``) until they are made,
the access log records it once (``report.overdue``), and the run is retried at once and then
every ``retry_every`` until it succeeds; every failed run is in the access log
(``report.failed``, by ``city_reports.run_daily``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Protocol

from dialer.adapters.db import audit, report_runs
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.reports.schedule import watched_day
from dialer.services.reports import city_reports

log = logging.getLogger(__name__)

JOB_NAME = "daily-reports-deadline"
CHECK_EVERY_S = 60.0
RETRY_EVERY = timedelta(minutes=5)

Run = Callable[[], Awaitable[object]]


class DeadlineWatch:
    """Watches the day before's daily reports from ``deadline_at``; ``overdue`` is the day
    whose reports are missing past it (None when nothing is)."""

    def __init__(self, database: Database, settings: Callable[[], Settings],
                 clock: Callable[[], datetime], run: Run | None = None,
                 retry_every: timedelta = RETRY_EVERY) -> None:
        self._db, self._settings, self._clock = database, settings, clock
        self._run = run or (lambda: city_reports.run_daily(database, settings, clock))
        self._retry_every = retry_every
        self.overdue: date | None = None
        self._made: date | None = None  # the last day found in the outbox
        self._noted: date | None = None  # the last day logged as overdue
        self._tried: datetime | None = None  # the last retry

    async def check(self) -> date | None:
        """Look, alert, retry; the day still overdue afterwards (None when none is)."""
        now, settings = self._clock(), self._settings()
        day = watched_day(now, settings.reports.deadline_time, settings.tz)
        if day is None or day == self._made or await self._generated(day):
            self._made = day if day is not None else self._made
            self.overdue = None
            return None
        self.overdue = day
        await self._note(day, settings)
        if self._tried is None or now - self._tried >= self._retry_every:
            self._tried = now
            await self._retry(day)
        return self.overdue

    async def job(self) -> None:
        """``check`` as a scheduler job."""
        await self.check()

    async def _generated(self, day: date) -> bool:
        async with self._db.connect() as conn:
            return await report_runs.daily_generated(conn, day)

    async def _note(self, day: date, settings: Settings) -> None:
        if self._noted == day:
            return
        self._noted = day
        log.error("the daily reports of %s are not in the outbox at %s (deadline 09:30): "
                  "retrying", day, settings.reports.deadline_at)
        async with self._db.transaction() as conn:
            await audit.record(conn, city_reports.SYSTEM_ACTOR, "report.overdue",
                               "report:daily", subject=day.isoformat(),
                               deadline_at=settings.reports.deadline_at)

    async def _retry(self, day: date) -> None:
        try:
            await self._run()
        except Exception:  # already in the access log (run_daily); the board keeps warning
            log.exception("the daily reports of %s: the retry failed", day)
            return
        log.warning("the daily reports of %s were made late, by the retry", day)
        self._made, self.overdue = day, None


class IntervalScheduler(Protocol):
    def every(self, name: str, seconds: float, job: Callable[[], Awaitable[None]]) -> None: ...


def schedule_watch(scheduler: IntervalScheduler, watch: DeadlineWatch) -> None:
    """``watch.check`` every minute (it reads the database only from ``deadline_at`` until the
    day's reports are found)."""
    scheduler.every(JOB_NAME, CHECK_EVERY_S, watch.job)
