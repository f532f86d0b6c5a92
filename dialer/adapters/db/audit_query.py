"""Reading the access log page by page with filters (the admin pages); the log itself, its hash
chain and the export are in ``audit``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.audit import Row
from dialer.adapters.db.models import AuditEntry

_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
            AuditEntry.object, AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)


@dataclass(frozen=True)
class Filter:
    """Every field optional: the actor exactly, prefixes of the action and the object, and
    ``start <= at < end`` (aware datetimes)."""

    actor: str = ""
    action: str = ""
    obj: str = ""
    start: datetime | None = None
    end: datetime | None = None


def _conditions(f: Filter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if f.actor:
        found.append(AuditEntry.actor == f.actor)
    if f.action:
        found.append(AuditEntry.action.startswith(f.action, autoescape=True))
    if f.obj:
        found.append(AuditEntry.object.startswith(f.obj, autoescape=True))
    if f.start is not None:
        found.append(AuditEntry.at >= f.start)
    if f.end is not None:
        found.append(AuditEntry.at < f.end)
    return found


async def page(conn: AsyncConnection, f: Filter, limit: int, offset: int
               ) -> tuple[list[Row], int]:
    """The matching rows, newest first, ``offset`` .. ``offset + limit``; and how many match."""
    where = _conditions(f)
    total = await conn.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    result = await conn.execute(select(*_COLUMNS).where(*where)
                                .order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return [Row(*r) for r in result], int(total or 0)
