"""Timed jobs (APScheduler 3): the only module that imports apscheduler.

Jobs are coroutines; the scheduler owns their tasks and logs their failures. A job missed while
the service was down runs once at start-up if still within its grace time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

Job = Callable[[], Awaitable[None]]


class Scheduler:
    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        self._scheduler = AsyncIOScheduler(timezone=tz)

    def daily(self, name: str, hour: int, minute: int, job: Job) -> None:
        self._scheduler.add_job(
            job, CronTrigger(hour=hour, minute=minute, timezone=self._tz), id=name, name=name,
            coalesce=True, max_instances=1, misfire_grace_time=6 * 3600, replace_existing=True,
        )

    def every(self, name: str, seconds: float, job: Job) -> None:
        self._scheduler.add_job(
            job, IntervalTrigger(seconds=seconds, timezone=self._tz), id=name, name=name,
            coalesce=True, max_instances=1, replace_existing=True,
        )

    def cancel(self, name: str) -> None:
        """Remove the job ``name`` if it is scheduled."""
        if self._scheduler.get_job(name) is not None:
            self._scheduler.remove_job(name)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def job_names(self) -> list[str]:
        return [job.name for job in self._scheduler.get_jobs()]

    def next_run(self, name: str, after: datetime) -> datetime | None:
        """When the job ``name`` fires next, at or after ``after``, by its own trigger (None: no
        such job); lets a test check a schedule against a clock it chooses."""
        job = self._scheduler.get_job(name)
        if job is None:
            return None
        fire: datetime | None = job.trigger.get_next_fire_time(None, after)
        return fire
