"""Someone with write access to the database files: lifts the append-only trigger, changes
the access log, puts the trigger back (SQLite: one trigger per verb; PostgreSQL: one for both)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

SQLITE_TRIGGER = ("CREATE TRIGGER audit_log_no_{verb} BEFORE {verb} ON audit_log "
                  "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


async def tamper(conn: AsyncConnection, statement: str, **params: object) -> None:
    verb = statement.split()[0].upper()
    if conn.dialect.name == "sqlite":
        await conn.execute(text(f"DROP TRIGGER audit_log_no_{verb}"))
        await conn.execute(text(statement), params)
        await conn.execute(text(SQLITE_TRIGGER.format(verb=verb)))
    else:
        await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        await conn.execute(text(statement), params)
        await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
