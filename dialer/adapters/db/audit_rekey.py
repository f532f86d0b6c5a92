"""``dialer audit rekey``: a log written before the access log was keyed, re-chained under a new
key, once.

Refused unless the key file does not exist yet and every row is an intact link of the old
unkeyed chain (so a log changed since is not laundered into a keyed one). The rewrite lifts the
append-only trigger for UPDATE inside the transaction and puts it back; the key file is created
first and removed again if the transaction does not commit. An ``audit.rekey`` row (how many
rows, the unkeyed head) closes the rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import audit, audit_key
from dialer.adapters.db.audit_key import AuditKeyError
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import AuditEntry

# as revision 0001 wrote it, character for character
SQLITE_NO_UPDATE = ("CREATE TRIGGER audit_log_no_UPDATE BEFORE UPDATE ON audit_log\n"
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


@dataclass(frozen=True)
class Rekeyed:
    rows: int
    unkeyed_head: str
    head: audit.Head


async def rekey(database: Database, actor: str) -> Rekeyed:
    """Re-chain the unkeyed log under a new key (see the module docstring)."""
    chain_key = database.audit_key
    created = False
    try:
        async with database.transaction() as conn:
            await audit.lock_chain(conn)
            rows = [row async for row in audit.rows_in_order(conn)]
            _check_unkeyed(rows, chain_key)
            key, created = chain_key.create(), True
            await _rewrite(conn, rows, key)
            await audit.record(conn, actor, "audit.rekey", "audit_log", rows=len(rows),
                               unkeyed_head=rows[-1].hash)
            head = await audit.head(conn)
    except BaseException:
        if created:  # the rows stay unkeyed: so must the key file stay absent
            chain_key.path.unlink(missing_ok=True)
            chain_key.forget()
        raise
    assert head is not None
    return Rekeyed(len(rows), rows[-1].hash, head)


def _check_unkeyed(rows: list[audit.Row], chain_key: audit_key.ChainKey) -> None:
    if chain_key.path.exists():
        raise AuditKeyError(f"{chain_key.path}: the access log already has a key; only a log "
                            "written before the key existed is rekeyed")
    if not rows:
        raise AuditKeyError("the access log is empty: nothing to rekey (the key is created "
                            "with the first entry)")
    prev_hash = audit.GENESIS
    for row in rows:
        if row.prev_hash != prev_hash or row.hash != audit.unkeyed_hash(
                prev_hash, row.at, row.actor, row.action, row.obj, row.detail):
            raise AuditKeyError(f"row {row.id} is not an intact link of the unkeyed chain "
                                "(`dialer audit verify`): the log is not rekeyed")
        prev_hash = row.hash


async def _rewrite(conn: AsyncConnection, rows: list[audit.Row], key: bytes) -> None:
    sqlite = conn.dialect.name == "sqlite"
    await conn.exec_driver_sql("DROP TRIGGER audit_log_no_UPDATE" if sqlite else
                               "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    prev_hash = audit.GENESIS
    for row in rows:
        digest = audit.chain_hash(key, prev_hash, row.at, row.actor, row.action, row.obj,
                                  row.detail)
        await conn.execute(update(AuditEntry).where(AuditEntry.id == row.id)
                           .values(prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    await conn.exec_driver_sql(SQLITE_NO_UPDATE if sqlite else
                               "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
