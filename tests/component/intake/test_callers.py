"""Who is calling back: only targets called on that number, only in the batches given."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.callers import candidates
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.services.intake import ImportRequest, import_file
from tests.component.intake.files import write_csv

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
SAME = "090-7777-0001"


async def test_candidates_are_called_targets_of_the_open_batches_only(
    database: Database, settings: Settings, tmp_path: Path,
) -> None:
    rows = [["C001", "同　一", "", "", SAME, "R5", "1", "R5.4.30", "1000"],
            ["C002", "別　人", "", "", "090-7777-0002", "R5", "1", "R5.4.30", "1000"]]
    first = await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "hoikuryo-2027-01.csv", rows), "hoikuryo", "2027-01"))
    other = await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "rojin-2027-01.csv", rows[:1]), "rojin", "2027-01"))
    store = DbAttemptStore(database, settings.classification, TZ)
    assert await candidates(database, "09077770001", [first.batch, other.batch]) == []
    candidate = await store.next_candidate(first.batch, NOW, frozenset({"09077770002"}))
    assert candidate is not None and candidate.number == "09077770001"
    await store.create("att-1", candidate, None, NOW)
    await store.set_phase("att-1", Phase.DIALING, NOW)
    found = await candidates(database, "09077770001", [first.batch, other.batch])
    assert [(c.batch_id, c.debt_type, c.ref) for c in found] == [(first.batch, "hoikuryo", "C001")]
    assert await candidates(database, "09077770001", [other.batch]) == []  # no cross-batch match
