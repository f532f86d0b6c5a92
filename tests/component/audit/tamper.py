"""Someone with write access to the database files: lifts the append-only trigger, changes
the access log, puts the trigger back (SQLite: one trigger per verb; PostgreSQL: one for both);
and, for the tests that recompute the chain, the key the centre keeps outside the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.key_files import read_key
from dialer.config import Settings

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


def centre_key(settings: Settings) -> bytes:
    """The access log's key as the centre keeps it (created with the log's first row)."""
    return read_key(settings.audit.key_file, "access-log key")
