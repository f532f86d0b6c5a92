"""The daily reports' deadline watched: missing from the outbox at `[reports] deadline_at`
(09:00), the board shows it, the run is retried (at once, then every five minutes) until the
reports are made, and the lateness and every failed run are in the access log."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import datetime, timedelta

from sqlalchemy import select

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import AuditEntry
from dialer.services.reports import city_reports, deadline
from dialer.services.reports.deadline import DeadlineWatch
from tests.component.reports.centre import DAY, TOKYO, Centre


class Clock:
    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


async def _logged(database: Database) -> list[tuple[str, str, str]]:
    async with database.engine.connect() as conn:
        rows = (await conn.execute(select(AuditEntry.action, AuditEntry.actor,
                                          AuditEntry.detail).order_by(AuditEntry.id))).all()
    return [(action, actor, json.loads(detail).get("subject", ""))
            for action, actor, detail in rows if action.startswith("report.")]


async def test_missing_reports_alert_the_board_are_retried_and_logged(
        centre: Centre, database: Database) -> None:
    outbox = centre.settings.paths.outbox_dir
    shutil.rmtree(outbox, ignore_errors=True)
    outbox.parent.mkdir(parents=True, exist_ok=True)
    outbox.write_text("not a folder")  # the 08:00 run fails: the outbox cannot be written
    clock = Clock(datetime(2027, 1, 13, 8, 59, tzinfo=TOKYO))  # D+1, before deadline_at
    watch = DeadlineWatch(database, lambda: centre.settings, clock)
    assert centre.settings.reports.deadline_at == "09:00"
    assert await watch.check() is None and watch.overdue is None  # not due yet
    assert await _logged(database) == []

    clock.now = datetime(2027, 1, 13, 9, 0, tzinfo=TOKYO)
    assert await watch.check() == DAY  # missing: retried at once, failed again
    assert watch.overdue == DAY
    assert await _logged(database) == [("report.overdue", "system", DAY.isoformat()),
                                       ("report.failed", "system", DAY.isoformat())]
    clock.now += timedelta(minutes=1)
    assert await watch.check() == DAY  # still missing; no retry within five minutes
    assert len(await _logged(database)) == 2

    outbox.unlink()  # the fault is repaired
    clock.now += timedelta(minutes=4)
    assert await watch.check() is None and watch.overdue is None  # the retry made them
    assert [a for a, _, _ in await _logged(database)] == [
        "report.overdue", "report.failed", "report.generate"]
    # the three lists as .xlsx and CSV, ... and the access log's head anchored beside them
    assert len(list((outbox / "daily" / f"{DAY:%Y%m%d}").iterdir())) == 11
    clock.now += timedelta(minutes=10)
    assert await watch.check() is None
    assert len(await _logged(database)) == 3  # nothing more to do that day


async def test_reports_made_on_time_raise_nothing(centre: Centre, database: Database) -> None:
    clock = Clock(datetime(2027, 1, 13, 8, 0, tzinfo=TOKYO))
    runs: list[int] = []

    async def run() -> None:
        runs.append(1)

    await city_reports.run_daily(database, lambda: centre.settings, clock)
    watch = DeadlineWatch(database, lambda: centre.settings, clock, run=run)
    clock.now = datetime(2027, 1, 13, 9, 0, tzinfo=TOKYO)
    assert await watch.check() is None and runs == []
    assert [a for a, _, _ in await _logged(database)] == ["report.generate"]


async def test_the_deadline_follows_the_configuration(centre: Centre,
                                                      database: Database) -> None:
    settings = dataclasses.replace(centre.settings, reports=dataclasses.replace(
        centre.settings.reports, deadline_at="09:20"))
    clock = Clock(datetime(2027, 1, 13, 9, 10, tzinfo=TOKYO))
    runs: list[int] = []

    async def run() -> None:
        runs.append(1)
        raise OSError("disk full")

    watch = DeadlineWatch(database, lambda: settings, clock, run=run)
    assert await watch.check() is None and runs == []
    clock.now = datetime(2027, 1, 13, 9, 20, tzinfo=TOKYO)
    assert await watch.check() == DAY and runs == [1]


class Interval:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, float]] = []

    def every(self, name: str, seconds: float, job: object) -> None:
        self.jobs.append((name, seconds))


async def test_the_watch_is_scheduled_every_minute(centre: Centre, database: Database) -> None:
    scheduler = Interval()
    deadline.schedule_watch(scheduler, DeadlineWatch(database, lambda: centre.settings,
                                                     Clock(datetime.now(TOKYO))))
    assert scheduler.jobs == [(deadline.JOB_NAME, 60.0)]
