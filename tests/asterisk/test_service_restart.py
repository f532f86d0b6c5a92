"""A service restart: the attempts the database still has open are taken back and reconciled
with Asterisk — those it no longer carries end now; nothing stays in progress."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.migrate import upgrade_database
from dialer.adapters.db.models import Attempt
from dialer.domain.attempt import Phase
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
ROWS = [["R001", "再　起", "", "011-555-0001", "", "R5", "1", "R5.4.30", "1000"],
        ["R002", "再　開", "", "011-555-0002", "", "R5", "1", "R5.4.30", "1000"],
        ["R003", "再　生", "", "011-555-0003", "", "R5", "1", "R5.4.30", "1000"]]


async def test_open_attempts_are_reconciled_after_a_restart(ami: AmiLink, tmp_path: Path) -> None:
    (tmp_path / "dialer.toml").write_text('[database]\nurl = "sqlite+aiosqlite:///c.sqlite3"\n')
    site = config.load(tmp_path / "dialer.toml")
    database = Database(site)
    await upgrade_database(database)
    batch = (await import_file(database, site, ImportRequest(
        write_csv(tmp_path / "hoikuryo-2027-01.csv", ROWS), "hoikuryo", "2027-01"))).batch
    store = DbAttemptStore(database, site.classification, TZ)
    # What a killed service left behind: one dialing, one talking, one never sent.
    for attempt_id, phase in (("att-dialing", Phase.DIALING), ("att-talking", Phase.CONNECTED),
                              ("att-planned", Phase.PLANNED)):
        candidate = await store.next_candidate(batch, NOW, frozenset())
        assert candidate is not None
        await store.create(attempt_id, candidate, None, NOW)
        await store.set_phase(attempt_id, phase, NOW)
    runner = CampaignRunner(ami, store, OperatorPool(), lambda: config.calendar(site),
                            site.classification, site.centre.dedicated_number, lambda: NOW)
    assert await runner.recover() == 2  # Asterisk carries neither of the two that were sent
    assert not runner.in_flight
    # The talk happened: only its result is still awaited (a manager can record it).
    assert [(a.id, a.phase) for a in await store.unfinished()] == [("att-talking",
                                                                      Phase.WRAP_UP)]
    assert await runner.recover() == 0  # a second restart changes nothing
    async with database.engine.connect() as conn:
        rows = dict((await conn.execute(select(Attempt.id, Attempt.phase))).all())
    assert rows == {"att-dialing": "done", "att-talking": "wrap_up", "att-planned": "done"}
    await database.close()
