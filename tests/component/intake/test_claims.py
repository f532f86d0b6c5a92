"""Several dialers on one database: writing an attempt claims its target atomically, so two of
them never call the same target at once; each takes back only its own attempts after a
restart. Run on SQLite and on PostgreSQL (each dialer with an engine of its own)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Batch, Target, TargetPhone
from dialer.config import Settings
from dialer.domain.attempt import Phase

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
TARGETS = 60


async def a_batch(database: Database, targets: int = TARGETS) -> int:
    async with database.engine.begin() as conn:
        batch = (await conn.execute(insert(Batch).values(
            debt_type="hoikuryo", month="2027-01", source_name="x.csv", sha256="0" * 64,
            encoding="utf-8", imported_by="test"))).inserted_primary_key[0]
        for n in range(targets):
            target = (await conn.execute(insert(Target).values(
                batch_id=batch, ref=f"T{n:03d}", name="x", source_row=n + 2))
                ).inserted_primary_key[0]
            await conn.execute(insert(TargetPhone).values(
                target_id=target, number=f"0901111{n:04d}", position=n))
    return int(batch)


def store(database: Database, settings: Settings, instance: str) -> DbAttemptStore:
    return DbAttemptStore(database, settings.classification, TZ, instance=instance)


async def dial_all(dialer: DbAttemptStore, name: str, batch: int,
                   start: asyncio.Barrier) -> list[int]:
    """Claim targets until none is left, as fast as possible (no call ever ends); every dialer
    connected before the first claim, so they start together."""
    await dialer.still_dialable(0)
    await start.wait()
    claimed, n = [], 0
    while (candidate := await dialer.next_candidate(batch, NOW, frozenset())) is not None:
        n += 1
        if await dialer.create(f"att-{name}-{n}", candidate, None, NOW):
            claimed.append(candidate.target_id)
        await asyncio.sleep(0.001)
    return claimed


async def test_dialers_racing_over_one_batch_claim_each_target_once(
        database: Database, settings: Settings) -> None:
    batch = await a_batch(database)
    engines = [Database(settings) for _ in range(4)]  # four dialers, four connection pools
    start = asyncio.Barrier(len(engines))
    try:
        claimed = await asyncio.gather(*(
            dial_all(store(engine, settings, f"d{n}"), f"d{n}", batch, start)
            for n, engine in enumerate(engines)))
    finally:
        for engine in engines:
            await engine.close()
    every = [target for by_one in claimed for target in by_one]
    assert len(every) == TARGETS and len(set(every)) == TARGETS
    assert sum(1 for by_one in claimed if by_one) >= 2  # they really raced
    async with database.engine.connect() as conn:
        per_target = Counter((await conn.execute(select(Attempt.target_id))).scalars())
        counts = set((await conn.execute(select(Target.attempts))).scalars())
        instances = Counter((await conn.execute(select(Attempt.instance))).scalars())
    assert set(per_target.values()) == {1} and len(per_target) == TARGETS
    assert counts == {1}
    assert sum(instances.values()) == TARGETS and set(instances) <= {"d0", "d1", "d2", "d3"}


async def test_a_target_claimed_since_it_was_chosen_is_not_claimed_again(
        database: Database, settings: Settings) -> None:
    batch = await a_batch(database, 2)
    first, second = store(database, settings, "a"), store(database, settings, "b")
    chosen_by_a = await first.next_candidate(batch, NOW, frozenset())
    chosen_by_b = await second.next_candidate(batch, NOW, frozenset())
    assert chosen_by_a == chosen_by_b and chosen_by_a is not None
    assert await second.create("att-b", chosen_by_b, None, NOW)
    assert not await first.create("att-a", chosen_by_a, None, NOW)  # nothing written
    # b's call ends busy (retry later): a's stale choice still cannot dial it now
    await second.finish("att-b", Phase.DONE, "S01", NOW + timedelta(seconds=5))
    assert not await first.create("att-a", chosen_by_a, None, NOW)
    async with database.engine.connect() as conn:
        ids = (await conn.execute(select(Attempt.id))).scalars().all()
        attempts = await conn.scalar(select(func.max(Target.attempts)))
    assert ids == ["att-b"] and attempts == 1
    again = await first.next_candidate(batch, NOW, frozenset())
    assert again is not None and again.target_id != chosen_by_a.target_id


async def test_each_dialer_takes_back_only_its_own_open_attempts(
        database: Database, settings: Settings) -> None:
    batch = await a_batch(database, 3)
    first, second = store(database, settings, "a"), store(database, settings, "b")
    for dialer, name in ((first, "att-a"), (second, "att-b")):
        candidate = await dialer.next_candidate(batch, NOW, frozenset())
        assert candidate is not None and await dialer.create(name, candidate, None, NOW)
    async with database.engine.begin() as conn:  # written before attempts had an instance
        target = await conn.scalar(select(func.max(Target.id)))
        await conn.execute(insert(Attempt).values(
            id="att-old", batch_id=batch, target_id=target, phase="dialing", created_at=NOW))
    assert sorted(a.id for a in await first.unfinished()) == ["att-a", "att-old"]
    assert sorted(a.id for a in await second.unfinished()) == ["att-b", "att-old"]
