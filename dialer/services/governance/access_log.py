"""The access log as the pages use it: one page of entries with filters and the chain's
verification (the admin audit page), and one entry written for what a page did itself (a
logout, a report downloaded, a message installed). The log, its hash chain and the CSV export
are the ``audit`` adapter's and ``audit_export``'s."""

from __future__ import annotations

from dataclasses import dataclass

from dialer.adapters.db import audit, audit_query
from dialer.adapters.db.audit import Row, VerifyResult
from dialer.adapters.db.audit_query import Filter
from dialer.adapters.db.engine import Database

__all__ = ["Filter", "LogPage", "Row", "VerifyResult", "page", "record", "require_key"]


@dataclass(frozen=True)
class LogPage:
    rows: list[Row]  # newest first
    total: int  # how many match the filter
    verified: VerifyResult  # the whole chain, checked as it is read


async def page(database: Database, flt: Filter, limit: int, offset: int) -> LogPage:
    """The entries matching ``flt``, ``offset`` .. ``offset + limit``, newest first, with the
    chain's verification (read on the same connection)."""
    async with database.connect() as conn:
        rows, total = await audit_query.page(conn, flt, limit, offset)
        verified = await audit.verify(conn)
    return LogPage(rows, total, verified)


async def require_key(database: Database) -> None:
    """``AuditKeyError`` (saying what to do) unless the log's key is there or the log is empty:
    the service does not start without a log it can add to."""
    async with database.connect() as conn:
        await audit.require_key(conn)


async def record(database: Database, actor: str, action: str, obj: str,
                 **detail: object) -> None:
    """One entry, in its own transaction."""
    async with database.transaction() as conn:
        await audit.record(conn, actor, action, obj, **detail)
