"""The campaign runner's store on a real SQLite file, fed by a real import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.domain.attempt_store import Candidate
from dialer.services.intake.exclusions import exclude_target
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
ROWS = [
    ["T001", "一　郎", "", "011-111-0001", "090-1111-0003", "R5", "1", "R5.4.30", "1000"],
    ["T002", "二　郎", "", "011-111-0002", "", "R5", "1", "R5.4.30", "2000"],
    ["T003", "三　郎", "", "011-111-0004", "", "R5", "1", "R5.4.30", "3000"],
]


async def batch_with_targets(database: Database, settings: Settings, tmp_path: Path) -> int:
    path = write_csv(tmp_path / "hoikuryo-2027-01.csv", ROWS)
    result = await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-01"))
    return result.batch


async def test_plans_follow_results_and_no_target_is_called_twice(
    database: Database, settings: Settings, tmp_path: Path,
) -> None:
    batch = await batch_with_targets(database, settings, tmp_path)
    store = DbAttemptStore(database, settings.classification, TZ)
    first = await store.next_candidate(batch, NOW, frozenset())
    assert first is not None and first.number == "0111110001" and first.phone_position == 0
    await store.create("att-1", first, None, NOW)
    second = await store.next_candidate(batch, NOW, frozenset())
    assert second is not None and second.target_id != first.target_id  # att-1 still open
    # The first number is dead: the target moves to its mobile, due at once.
    await store.finish("att-1", Phase.DONE, "S03", NOW)
    due_now = {c.target_id: c async for c in candidates(store, batch, NOW)}
    again = due_now[first.target_id]
    assert (again.number, again.phone_position) == ("09011110003", 1)
    # Busy: due again in 15 minutes, not before.
    await store.create("att-2", again, None, NOW)
    await store.finish("att-2", Phase.DONE, "S01", NOW)
    later = [c async for c in candidates(store, batch, NOW + timedelta(minutes=14))]
    assert first.target_id not in {c.target_id for c in later}
    due = [c async for c in candidates(store, batch, NOW + timedelta(minutes=15))]
    assert first.target_id in {c.target_id for c in due}


async def candidates(store: DbAttemptStore, batch: int, now: datetime
                     ) -> AsyncIterator[Candidate]:
    busy: set[str] = set()
    while (c := await store.next_candidate(batch, now, frozenset(busy))) is not None:
        busy.add(c.number)
        yield c


async def test_a_promise_ends_the_target_and_an_exclusion_stops_it_at_once(
    database: Database, settings: Settings, tmp_path: Path, manager: str,
) -> None:
    batch = await batch_with_targets(database, settings, tmp_path)
    store = DbAttemptStore(database, settings.classification, TZ)
    first = await store.next_candidate(batch, NOW, frozenset())
    assert first is not None
    await store.create("att-1", first, None, NOW)
    await store.set_phase("att-1", Phase.CONNECTED, NOW)
    assert [a.id for a in await store.unfinished()] == ["att-1"]
    await store.finish("att-1", Phase.WRAP_UP, "101", NOW + timedelta(minutes=3))
    assert await store.unfinished() == []
    assert not await store.still_dialable(first.target_id)
    remaining = {c.target_id async for c in candidates(store, batch, NOW)}
    assert first.target_id not in remaining and len(remaining) == 2
    target = next(iter(remaining))
    assert await store.still_dialable(target)
    ref = {2: "T002", 3: "T003"}.get(target, "T002")
    await exclude_target(database, batch, ref, "paid", None, actor=manager)
    assert len({c.target_id async for c in candidates(store, batch, NOW)}) == 1
