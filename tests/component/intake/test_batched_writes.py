"""A burst of phase changes and results written together (``DbAttemptStore.batched``, the
campaign runner's event loop) leaves the database exactly as writing them one by one."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, text, update

from dialer import config
from dialer.adapters.db import migrate
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Batch, Target, TargetPhone
from dialer.domain.attempt import Phase
from dialer.domain.attempt_store import Candidate

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
TARGETS = 60
Step = tuple[str, Phase, str | None, datetime]  # attempt, phase, result (None: phase only), at


async def centre(tmp_path: Path, name: str) -> tuple[Database, DbAttemptStore]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "dialer.toml").write_text('[database]\nurl = "sqlite+aiosqlite:///c.sqlite3"\n')
    settings = config.load(folder / "dialer.toml")
    database = Database(settings)
    await migrate.upgrade_database(database)
    async with database.engine.begin() as conn:
        batch = (await conn.execute(insert(Batch).values(
            debt_type="hoikuryo", month="2027-01", source_name="x.csv", sha256="0" * 64,
            encoding="utf-8", imported_by="test"))).inserted_primary_key[0]
        for n in range(1, TARGETS + 1):
            await conn.execute(insert(Target).values(id=n, batch_id=batch, ref=f"T{n}",
                                                     name="x", source_row=n))
            for position in range(1 + n % 2):
                await conn.execute(insert(TargetPhone).values(
                    target_id=n, number=f"0901234{n:02d}{position}", position=position))
    return database, DbAttemptStore(database, settings.classification, TZ)


def story(rng: random.Random, attempt: str, at: datetime) -> list[Step]:
    """What the runner writes for one call: its phases, then (maybe) its end."""
    steps: list[Step] = [(attempt, Phase.DIALING, None, at)]
    if rng.random() < 0.4:
        steps += [(attempt, Phase.ANSWERED, None, at + timedelta(seconds=5))]
        if rng.random() < 0.8:
            steps += [(attempt, Phase.CONNECTED, None, at + timedelta(seconds=6)),
                      (attempt, Phase.WRAP_UP, None, at + timedelta(seconds=60))]
            if rng.random() < 0.5:  # the operator's result came within the same burst
                steps.append((attempt, Phase.WRAP_UP, rng.choice(["101", "106", "201"]),
                              at + timedelta(seconds=70)))
            return steps
        return [*steps, (attempt, Phase.DONE, "S05", at + timedelta(seconds=7))]
    return [*steps, (attempt, Phase.DONE, rng.choice(["S01", "S02", "S03", "S04", ""]),
                     at + timedelta(seconds=20))]


def bursts(seed: int) -> tuple[list[tuple[str, int]], list[list[Step]]]:
    """Calls to several targets (some twice), their writes interleaved and cut in bursts."""
    rng = random.Random(seed)
    calls = [(f"att-{n}", rng.randint(1, TARGETS)) for n in range(120)]
    stories = [story(rng, attempt, NOW + timedelta(seconds=n)) for n, (attempt, _t)
               in enumerate(calls)]
    merged: list[Step] = []
    while any(stories):
        pick = rng.choice([s for s in stories if s])
        merged.append(pick.pop(0))
    cuts = sorted(rng.sample(range(1, len(merged)), 12))
    return calls, [merged[a:b] for a, b in zip([0, *cuts], [*cuts, len(merged)], strict=True)]


async def opened(database: Database, calls: list[tuple[str, int]]) -> None:
    """The calls' attempts, all open at once (a target twice too: more than the runner would
    claim, which is the point here), written as ``create`` writes them."""
    async with database.engine.begin() as conn:
        for attempt, target in calls:
            await conn.execute(insert(Attempt).values(
                id=attempt, batch_id=1, target_id=target, phone_index=0, phase="planned",
                created_at=NOW, instance="main"))
            await conn.execute(update(Target).where(Target.id == target).values(
                attempts=Target.attempts + 1, last_attempt_at=NOW))


async def play(database: Database, store: DbAttemptStore, calls: list[tuple[str, int]],
               groups: list[list[Step]], together: bool) -> None:
    await opened(database, calls)
    for group in groups:
        if together:
            async with store.batched():
                await apply(store, group)
        else:
            await apply(store, group)


async def apply(store: DbAttemptStore, steps: list[Step]) -> None:
    for attempt, phase, result, at in steps:
        if result is None:
            await store.set_phase(attempt, phase, at)
        else:
            await store.finish(attempt, phase, result, at)


async def contents(database: Database) -> dict[str, list[tuple[object, ...]]]:
    async with database.engine.connect() as conn:
        return {table: [tuple(r) for r in await conn.execute(text(
            f"SELECT * FROM {table} ORDER BY id"))] for table in ("attempts", "targets")}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_a_burst_written_together_equals_one_by_one(tmp_path: Path, seed: int) -> None:
    calls, groups = bursts(seed)
    (one_db, one), (burst_db, burst) = [await centre(tmp_path, n) for n in ("one", "burst")]
    try:
        await play(one_db, one, calls, groups, together=False)
        await play(burst_db, burst, calls, groups, together=True)
        assert await contents(burst_db) == await contents(one_db)
        async with one_db.engine.connect() as conn:  # some target has a time set
            assert (await conn.execute(text(
                "SELECT count(*) FROM targets WHERE next_due_at IS NOT NULL"))).scalar_one()
    finally:
        await one_db.close()
        await burst_db.close()


async def test_nothing_is_written_before_the_burst_ends(tmp_path: Path) -> None:
    database, store = await centre(tmp_path, "c")
    try:
        await store.create("att-1", Candidate(1, 1, 0, "0"), None, NOW)
        async with store.batched():
            await store.set_phase("att-1", Phase.DIALING, NOW)
            await store.finish("att-1", Phase.DONE, "S01", NOW)
            assert [a.id for a in await store.unfinished()] == ["att-1"]
        assert await store.unfinished() == []
    finally:
        await database.close()


async def test_a_write_after_a_result_is_written_one_by_one(tmp_path: Path) -> None:
    calls = [("att-1", 1), ("att-2", 2)]
    odd = [[("att-1", Phase.DIALING, None, NOW), ("att-1", Phase.DONE, "S01", NOW),
            ("att-2", Phase.DIALING, None, NOW), ("att-1", Phase.WRAP_UP, None, NOW)]]
    (one_db, one), (burst_db, burst) = [await centre(tmp_path, n) for n in ("one", "burst")]
    try:
        await play(one_db, one, calls, odd, together=False)
        await play(burst_db, burst, calls, odd, together=True)
        assert await contents(burst_db) == await contents(one_db)
    finally:
        await one_db.close()
        await burst_db.close()
