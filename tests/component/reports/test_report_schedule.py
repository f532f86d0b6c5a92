"""The daily job: registered at `[reports] daily_at` (centre time), fired by the scheduler's own
trigger at that time whatever the clock says, and reporting on the day before the clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dialer import config
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import AuditEntry
from dialer.adapters.scheduler import Scheduler
from dialer.domain.reports.schedule import next_run
from dialer.services.governance import audit_anchor
from dialer.services.reports import city_reports as reports
from tests.component.reports.centre import DAY, TOKYO, Centre


@dataclass
class Recorder:
    jobs: list[tuple[str, int, int, Callable[[], Any]]] = field(default_factory=list)

    def daily(self, name: str, hour: int, minute: int, job: Callable[[], Any]) -> None:
        self.jobs.append((name, hour, minute, job))


async def test_the_job_fires_at_the_configured_time(database: Database,
                                                    config_file: Path) -> None:
    with config_file.open("a", encoding="utf-8") as f:
        f.write('\n[reports]\ndaily_at = "07:45"\n')
    settings = config.load(config_file)
    scheduler = Scheduler(settings.tz)
    reports.schedule_daily(scheduler, database, lambda: settings, lambda: datetime.now(TOKYO))
    assert scheduler.job_names() == [reports.JOB_NAME]
    at = time(7, 45)
    start = datetime(2027, 1, 12, 0, 0, tzinfo=TOKYO)
    for minutes in range(0, 3 * 24 * 60, 17):  # every 17 minutes over three days
        now = start + timedelta(minutes=minutes)
        fires = scheduler.next_run(reports.JOB_NAME, now)
        assert fires == next_run(now, at, TOKYO)
        assert fires is not None and fires.astimezone(TOKYO).time() == at
        assert timedelta(0) <= fires - now < timedelta(days=1)
    assert scheduler.next_run(reports.JOB_NAME, datetime(2027, 1, 13, 7, 45, tzinfo=TOKYO)) \
        == datetime(2027, 1, 13, 7, 45, tzinfo=TOKYO)
    assert scheduler.next_run(reports.JOB_NAME, datetime(2027, 1, 13, 7, 46, tzinfo=TOKYO)) \
        == datetime(2027, 1, 14, 7, 45, tzinfo=TOKYO)


async def test_the_job_reports_on_the_day_before_its_clock(centre: Centre,
                                                           database: Database) -> None:
    recorder = Recorder()
    clock = datetime(2027, 1, 13, 8, 0, tzinfo=TOKYO)  # 08:00 on D+1
    reports.schedule_daily(recorder, database, lambda: centre.settings, lambda: clock)
    [(name, hour, minute, job)] = recorder.jobs
    assert (name, hour, minute) == (reports.JOB_NAME, 8, 0)
    await job()
    folder = centre.settings.paths.outbox_dir / "daily" / f"{DAY:%Y%m%d}"
    assert len(list(folder.iterdir())) == 11  # ten reports and the access log's head
    async with database.engine.connect() as conn:
        logged = (await conn.execute(select(AuditEntry.actor, AuditEntry.object)
                                     .where(AuditEntry.action == "report.generate"))).all()
    assert logged == [("system", "report:daily")]


async def test_the_job_leaves_the_access_logs_head_beside_the_reports(
        centre: Centre, database: Database) -> None:
    async with database.engine.connect() as conn:
        before = await audit.head(conn)
    assert before is not None  # the centre's imports are in the log
    clock = datetime(2027, 1, 13, 8, 0, tzinfo=TOKYO)

    await reports.run_daily(database, lambda: centre.settings, lambda: clock)

    anchor = (centre.settings.paths.outbox_dir / "daily" / f"{DAY:%Y%m%d}"
              / f"access-log-head_{DAY:%Y%m%d}.txt")
    assert anchor.stat().st_mode & 0o777 == 0o600
    assert audit_anchor.read(anchor) == before  # the log as it stood when the job began
    assert f"taken = \"{clock.isoformat()}\"" in anchor.read_text(encoding="utf-8")
    async with database.engine.connect() as conn:
        logged = (await conn.execute(select(AuditEntry.actor, AuditEntry.detail)
                                     .where(AuditEntry.action == "audit.anchor"))).all()
        assert await audit.check_anchor(conn, before) == ""
    assert [(a, json.loads(d)) for a, d in logged] == [("system", {
        "file": anchor.name, "row": before.id, "hash": before.hash, "rows": before.rows})]
    [check] = await audit_anchor.check(database, [centre.settings.paths.outbox_dir])
    assert check.ok and check.path == anchor
