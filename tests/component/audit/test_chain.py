"""The access log is a hash chain: concurrent writers keep it linear, tampering is found."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from tests.component.audit.tamper import tamper


async def _record(database: Database, n: int) -> None:
    async with database.engine.begin() as conn:
        await audit.record(conn, f"op{n % 7}", "test.concurrent", f"batch:{n}", n=n)


async def _record_n(database: Database, n: int) -> None:
    for i in range(n):
        await _record(database, i)


async def _rows(database: Database) -> list[audit.Row]:
    async with database.engine.connect() as conn:
        return list(reversed(await audit.recent(conn, limit=10_000)))


async def _verify(database: Database) -> audit.VerifyResult:
    async with database.engine.connect() as conn:
        return await audit.verify(conn)


async def _tamper(database: Database, statement: str, **params: object) -> None:
    async with database.engine.begin() as conn:
        await tamper(conn, statement, **params)


async def test_an_empty_log_verifies(database: Database) -> None:
    result = await _verify(database)
    assert (result.ok, result.checked, result.last_id) == (True, 0, None)


async def test_the_first_row_starts_from_the_genesis_value(database: Database) -> None:
    await _record_n(database, 2)
    first, second = await _rows(database)
    assert first.prev_hash == audit.GENESIS and second.prev_hash == first.hash
    key = database.audit_key.existing()
    assert first.hash == audit.chain_hash(key, audit.GENESIS, first.at, first.actor,
                                          first.action, first.obj, first.detail)
    assert len(first.hash) == 64 and first.hash != second.hash


async def test_the_chain_stays_linear_under_concurrent_writers(database: Database) -> None:
    async def busy(n: int) -> None:  # other writes first, then two records, one transaction
        async with database.engine.begin() as conn:
            await conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS scratch (n INTEGER)"))
            await conn.execute(text("INSERT INTO scratch VALUES (:n)"), {"n": n})
            await audit.record(conn, "kanri", "test.busy", f"batch:{n}", step=1)
            await asyncio.sleep(0)
            await audit.record(conn, "kanri", "test.busy", f"batch:{n}", step=2)

    await asyncio.gather(*(_record(database, n) for n in range(50)),
                         *(busy(n) for n in range(10)))
    rows = await _rows(database)
    assert len(rows) == 70
    assert len({r.prev_hash for r in rows}) == 70  # no fork: nobody chained on the same row
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    result = await _verify(database)
    assert (result.ok, result.checked) == (True, 70)
    assert (result.last_id, result.last_hash) == (rows[-1].id, rows[-1].hash)


async def test_a_rolled_back_record_leaves_the_chain_intact(database: Database) -> None:
    await _record_n(database, 2)
    with pytest.raises(RuntimeError):
        async with database.engine.begin() as conn:
            await audit.record(conn, "kanri", "test.rollback", "batch:9")
            raise RuntimeError("the caller's transaction fails")
    await _record(database, 3)
    assert (await _verify(database)).ok
    assert len(await _rows(database)) == 3


async def test_the_trigger_still_refuses_updates(database: Database) -> None:
    await _record_n(database, 1)
    with pytest.raises(Exception, match="append-only"):
        async with database.engine.begin() as conn:
            await conn.execute(text("UPDATE audit_log SET detail = '{}'"))


async def test_a_changed_detail_is_reported_at_that_row(database: Database) -> None:
    await _record_n(database, 5)
    target = (await _rows(database))[2]
    await _tamper(database, "UPDATE audit_log SET detail = :d WHERE id = :id",
                  d=json.dumps({"n": 99}), id=target.id)
    result = await _verify(database)
    assert not result.ok
    assert result.broken_id == target.id and result.checked == 3
    assert "altered" in result.reason


async def test_a_rewritten_row_with_a_fresh_hash_breaks_the_next_link(
        database: Database) -> None:
    await _record_n(database, 5)
    rows = await _rows(database)
    target = rows[1]
    forged = audit.chain_hash(database.audit_key.existing(), target.prev_hash, target.at,
                              "someone", target.action, target.obj, target.detail)
    await _tamper(database, "UPDATE audit_log SET actor = 'someone', hash = :h WHERE id = :id",
                  h=forged, id=target.id)
    result = await _verify(database)
    assert result.broken_id == rows[2].id
    assert f"hash of row {target.id}" in result.reason


async def test_a_deleted_row_is_reported_at_the_row_after_it(database: Database) -> None:
    await _record_n(database, 5)
    rows = await _rows(database)
    await _tamper(database, "DELETE FROM audit_log WHERE id = :id", id=rows[2].id)
    result = await _verify(database)
    assert not result.ok and result.broken_id == rows[3].id
    assert "deleted" in result.reason


async def test_deleting_the_first_row_is_reported(database: Database) -> None:
    await _record_n(database, 3)
    rows = await _rows(database)
    await _tamper(database, "DELETE FROM audit_log WHERE id = :id", id=rows[0].id)
    result = await _verify(database)
    assert result.broken_id == rows[1].id and "genesis" in result.reason


async def test_export_selects_the_half_open_range_in_chain_order(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    moments = iter([datetime(2026, 11, 30, 14, 59, 59, 999999, tzinfo=UTC),
                    datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
                    datetime(2026, 12, 1, 3, 0, 0, 5, tzinfo=UTC),
                    datetime(2026, 12, 1, 15, 0, tzinfo=UTC)])
    monkeypatch.setattr(audit, "utcnow", lambda: next(moments))
    await _record_n(database, 4)
    async with database.engine.connect() as conn:
        rows = await audit.export(conn, datetime(2026, 11, 30, 15, tzinfo=UTC),
                                  datetime(2026, 12, 1, 15, tzinfo=UTC))
    assert [r.detail for r in rows] == ['{"n": 1}', '{"n": 2}']
    assert rows[1].at == datetime(2026, 12, 1, 3, 0, 0, 5, tzinfo=UTC)
    assert rows[1].prev_hash == rows[0].hash
    assert (await _verify(database)).ok
