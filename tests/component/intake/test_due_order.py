"""The next targets of a batch, found through the index ``ix_targets_due`` one attempts count
at a time, come in exactly the order of the single sorted query they replace (issue 11)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Select, exists, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import attempts as store_module
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Batch, Exclusion, Target
from dialer.domain.attempt import Phase

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)


def sorted_query(batch_id: int, now: datetime) -> Select[tuple[int, int]]:
    """The query before migration 0008: one ORDER BY over every due target of the batch."""
    open_attempt = exists().where(Attempt.target_id == Target.id, Attempt.result_code.is_(None),
                                  Attempt.phase != Phase.DONE.value)
    return (select(Target.id, Target.phone_index)
            .where(Target.batch_id == batch_id, Target.done.is_(False),
                   (Target.next_due_at.is_(None)) | (Target.next_due_at <= now),
                   ~exists().where(Exclusion.target_id == Target.id), ~open_attempt)
            .order_by(Target.attempts, func.coalesce(Target.next_due_at, now), Target.id))


async def scatter(database: Database, seed: int) -> int:
    """A batch of 400 targets in every state the runner meets, and a second batch beside it."""
    rng = random.Random(seed)
    async with database.engine.begin() as conn:
        ids = []
        for _ in range(2):
            ids.append((await conn.execute(insert(Batch).values(
                debt_type="hoikuryo", month="2027-01", source_name="x.csv", sha256="0" * 64,
                encoding="utf-8", imported_by="test"))).inserted_primary_key[0])
        for n in range(1, 801):
            due = rng.choice([None, None, NOW - timedelta(minutes=rng.randint(1, 900)),
                              NOW + timedelta(minutes=rng.randint(1, 900))])
            await conn.execute(insert(Target).values(
                id=n, batch_id=ids[n % 2], ref=f"T{n:04d}", name="x", source_row=n,
                attempts=0 if due is None and rng.random() < 0.5 else rng.randint(0, 4),
                next_due_at=due, done=rng.random() < 0.2, phone_index=rng.randint(0, 1)))
            if rng.random() < 0.05:
                await conn.execute(insert(Exclusion).values(
                    target_id=n, reason="paid", source="manual", created_by="test"))
            if rng.random() < 0.05:
                await conn.execute(insert(Attempt).values(
                    id=f"att-{n}", batch_id=ids[n % 2], target_id=n, phase="dialing",
                    created_at=NOW))
    return int(ids[0])


async def walk(conn: AsyncConnection, batch: int) -> list[tuple[int, int]]:
    """(target, phone index) in the walk's order (it gives each one's attempts count too)."""
    return [(target, index) async for rows in store_module._due(conn, batch, NOW)
            for target, index, _attempts in rows]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_index_walk_gives_the_sorted_order(
        database: Database, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    batch = await scatter(database, seed)
    monkeypatch.setattr(store_module, "LOOK_AHEAD", 1000)
    async with database.engine.connect() as conn:
        expected = [tuple(r) for r in await conn.execute(sorted_query(batch, NOW))]
        walked = await walk(conn, batch)
    assert walked == expected and len(expected) > 50


async def test_only_look_ahead_targets_are_read(database: Database) -> None:
    batch = await scatter(database, 4)
    async with database.engine.connect() as conn:
        expected = [tuple(r) for r in await conn.execute(sorted_query(batch, NOW).limit(20))]
        assert await walk(conn, batch) == expected


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner chooses by "
                         "table statistics (tests/bench/bench_scale.py measures the walk)")
async def test_each_step_is_an_index_range_not_a_sort_of_the_batch(database: Database) -> None:
    batch = await scatter(database, 5)
    async with database.engine.connect() as conn:
        query = store_module._GROUP_AFTER.params(batch_id=batch, after=0, now=NOW, wanted=20)
        compiled = query.compile(database.engine.sync_engine,
                                 compile_kwargs={"literal_binds": True})
        plan = [(r[1], str(r[-1])) for r in await conn.execute(
            text(f"EXPLAIN QUERY PLAN {compiled}"))]
    searches = [step for _parent, step in plan if step.startswith(("SEARCH targets", "SCAN"))
                and "anon" not in step]
    assert len(searches) == 4, plan  # the next count twice, the overdue, the due now
    assert all("INDEX ix_targets_due" in step for step in searches), plan
    # the only sorts are of the (at most 20) rows each part found
    scans_of_found = {parent for parent, step in plan if step.startswith("SCAN anon")}
    assert all(parent in scans_of_found for parent, step in plan if "TEMP B-TREE" in step), plan
