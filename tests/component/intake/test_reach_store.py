"""The store plans retries with the reach policy (``[calling] policy = "reach"``, the service's
default) and keeps the limits per person across a debt type's lists: a resident on January's
and February's lists is one person. Real imports, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer import config
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.domain.reach_scheduling import Policy
from dialer.domain.retry import Limits
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv

TZ = ZoneInfo("Asia/Tokyo")
TUESDAY_NOON = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
ROW = ["T001", "一　郎", "", "011-111-0001", "090-1111-0003", "R5", "1", "R5.4.30", "1000"]


async def lists(database: Database, settings: Settings, tmp_path: Path, *months: str
                ) -> list[int]:
    return [(await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / f"hoikuryo-{m}.csv", [ROW]), "hoikuryo", m, force=True))).batch
        for m in months]


DEFAULT = Limits()


def store(database: Database, settings: Settings, limits: Limits = DEFAULT
          ) -> DbAttemptStore:
    calendar = config.calendar(settings)
    return DbAttemptStore(database, settings.classification, TZ, limits,
                          calendar=lambda: calendar, policy=Policy.REACH)


async def call(s: DbAttemptStore, batch: int, attempt: str, code: str, at: datetime) -> int:
    candidate = await s.next_candidate(batch, at, frozenset())
    assert candidate is not None
    assert await s.create(attempt, candidate, None, at)
    await s.finish(attempt, Phase.DONE, code, at)
    return candidate.target_id


async def test_no_answer_at_midday_moves_to_the_evening_and_the_mobile(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    [batch] = await lists(database, settings, tmp_path, "2027-01")
    s = store(database, settings)
    await call(s, batch, "att-1", "S02", TUESDAY_NOON)
    assert await s.next_candidate(batch, TUESDAY_NOON.replace(hour=16, minute=29),
                                  frozenset()) is None
    evening = await s.next_candidate(batch, TUESDAY_NOON.replace(hour=16, minute=30),
                                     frozenset())
    assert evening is not None
    assert (evening.number, evening.phone_position) == ("09011110003", 1)


async def test_the_per_day_limit_holds_for_a_person_on_two_lists(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    january, february = await lists(database, settings, tmp_path, "2027-01", "2027-02")
    s = store(database, settings, Limits(per_day=2, total=10))
    await call(s, january, "att-1", "S01", TUESDAY_NOON)
    await call(s, january, "att-2", "S01", TUESDAY_NOON + timedelta(minutes=15))
    later = TUESDAY_NOON + timedelta(minutes=30)
    candidate = await s.next_candidate(february, later, frozenset())
    assert candidate is not None  # February's entry is due: never called itself
    assert not await s.create("att-3", candidate, None, later)  # the person had two today
    assert await s.next_candidate(february, later, frozenset()) is None
    tomorrow = datetime(2027, 1, 13, 11, 30, tzinfo=TZ)
    again = await s.next_candidate(february, tomorrow, frozenset())
    assert again is not None and await s.create("att-3", again, None, tomorrow)


async def test_the_total_limit_counts_every_list_of_the_debt_type(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    january, february = await lists(database, settings, tmp_path, "2027-01", "2027-02")
    s = store(database, settings, Limits(per_day=10, total=3))
    at = TUESDAY_NOON
    for n in range(2):
        await call(s, january, f"att-{n}", "S01", at)
        at += timedelta(minutes=15)
    target = await call(s, february, "att-feb", "S01", at)
    assert not await s.still_dialable(target)  # the person's third call: February's is done


async def test_a_restarted_store_learns_the_answer_rates_from_the_calls_so_far(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    [batch] = await lists(database, settings, tmp_path, "2027-01")
    first = store(database, settings)
    await call(first, batch, "att-1", "S02", TUESDAY_NOON)  # midday, the landline: no answer
    restarted = store(database, settings)
    evening = TUESDAY_NOON.replace(hour=16, minute=30)
    candidate = await restarted.next_candidate(batch, evening, frozenset())
    assert candidate is not None and await restarted.create("att-2", candidate, None, evening)
    [(slot_kind, rate)] = [((slot.kind, kind), rates) for (slot, kind), rates
                           in restarted._rates[batch].counts.items()]
    assert slot_kind == ("weekday", "FIXED") and rate == [1, 0]  # one call, not answered
