"""Revision 0004 chains the rows an existing database wrote before the hash chain existed, as
the unkeyed links of the time; ``dialer audit rekey`` re-chains such a log under a key, once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import audit, audit_rekey, migrate
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import UtcDateTime
from dialer.config import Settings
from tests.component.audit.tamper import tamper

OLD_ROWS = [
    ("2026-11-01 00:00:00.000001", "os:root", "intake.import", "batch:1",
     '{"encoding": "cp932", "rows": 120}'),
    ("2026-11-02 03:04:05.000000", "kanri", "calllist.assign", "batch:1",
     '{"operator": "op1", "targets": 40}'),
    ("2026-11-03 23:59:59.999999", "kanri", "intake.exclude", "target:7",
     '{"reason": "paid", "note": "窓口で納付済"}'),
]


TRIGGERS = {"sqlite": {"audit_log_no_UPDATE", "audit_log_no_DELETE"},
            "postgresql": {"audit_log_append_only"}}
INSERT = text("INSERT INTO audit_log (at, actor, action, object, detail) "
              "VALUES (:at, :actor, :action, :obj, :detail)").bindparams(
    bindparam("at", type_=UtcDateTime()))


async def _triggers(conn: AsyncConnection) -> dict[str, str]:
    if conn.dialect.name == "sqlite":
        result = await conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'audit_log'"))
    else:
        result = await conn.execute(text(
            "SELECT tgname, pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger "
            "WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal"))
    return {name: sql for name, sql in result}


@pytest.mark.fresh_database
async def test_the_upgrade_chains_existing_rows_and_keeps_the_triggers(
        settings: Settings) -> None:
    database = Database(settings)
    try:
        await migrate.upgrade_database(database, "0003")
        async with database.engine.begin() as conn:
            before = await _triggers(conn)
            for at, actor, action, obj, detail in OLD_ROWS:
                moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
                await conn.execute(INSERT, {"at": moment, "actor": actor, "action": action,
                                            "obj": obj, "detail": detail})

        await migrate.upgrade_database(database)

        async with database.engine.connect() as conn:
            assert await _triggers(conn) == before
            assert set(before) == TRIGGERS[conn.dialect.name]
            result = await audit.verify(conn)
            rows = list(reversed(await audit.recent(conn)))
        # chained as the unkeyed links of the time, which no key proves
        assert [r.detail for r in rows] == [r[4] for r in OLD_ROWS]
        assert rows[0].prev_hash == audit.GENESIS
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
        assert all(r.hash == audit.unkeyed_hash(r.prev_hash, r.at, r.actor, r.action, r.obj,
                                                r.detail) for r in rows)
        assert rows[2].at.isoformat() == "2026-11-03T23:59:59.999999+00:00"
        assert (result.ok, result.broken_id) == (False, rows[0].id)
        assert "no access-log key" in result.reason and "dialer audit rekey" in result.reason
        with pytest.raises(audit.AuditKeyError, match="restore the key file"):
            async with database.engine.begin() as conn:
                await audit.record(conn, "kanri", "test.after", "batch:1")
        assert not settings.audit.key_file.exists()

        done = await audit_rekey.rekey(database, "os:root")

        assert (done.rows, done.unkeyed_head) == (3, rows[2].hash)
        assert settings.audit.key_file.stat().st_mode & 0o777 == 0o600
        with pytest.raises(Exception, match="append-only"):
            async with database.engine.begin() as conn:
                await conn.execute(text("UPDATE audit_log SET hash = ''"))
        async with database.engine.begin() as conn:
            await audit.record(conn, "kanri", "test.after", "batch:1")
        async with database.engine.connect() as conn:
            assert await _triggers(conn) == before
            result = await audit.verify(conn)
            assert (result.ok, result.checked) == (True, 5)
            rekeyed = list(reversed(await audit.recent(conn)))
        assert [r.detail for r in rekeyed[:3]] == [r[4] for r in OLD_ROWS]
        assert rekeyed[3].action == "audit.rekey" and rekeyed[3].hash == done.head.hash
        with pytest.raises(audit.AuditKeyError, match="already has a key"):
            await audit_rekey.rekey(database, "os:root")
    finally:
        await database.close()


@pytest.mark.fresh_database
async def test_rekey_refuses_an_unkeyed_log_changed_since_and_leaves_no_key(
        settings: Settings) -> None:
    database = Database(settings)
    try:
        await migrate.upgrade_database(database, "0003")
        async with database.engine.begin() as conn:
            for at, actor, action, obj, detail in OLD_ROWS:
                moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
                await conn.execute(INSERT, {"at": moment, "actor": actor, "action": action,
                                            "obj": obj, "detail": detail})
        await migrate.upgrade_database(database)
        async with database.engine.begin() as conn:
            await tamper(conn, "UPDATE audit_log SET actor = 'someone' WHERE id = 2")
        with pytest.raises(audit.AuditKeyError, match="row 2 is not an intact link"):
            await audit_rekey.rekey(database, "os:root")
        assert not settings.audit.key_file.exists()
        async with database.engine.connect() as conn:
            assert [r.actor for r in await audit.recent(conn)] == ["kanri", "someone", "os:root"]
    finally:
        await database.close()


@pytest.mark.fresh_database
async def test_an_empty_log_upgrades_without_touching_the_triggers(settings: Settings) -> None:
    database = Database(settings)
    try:
        await migrate.upgrade_database(database, "0003")
        async with database.engine.connect() as conn:
            before = await _triggers(conn)
        await migrate.upgrade_database(database)
        async with database.engine.connect() as conn:
            assert await _triggers(conn) == before
            assert (await audit.verify(conn)).checked == 0
    finally:
        await database.close()
