"""The append-only audit log: who did what to which object, never personal data in detail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import AuditEntry, utcnow


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    obj: str
    detail: dict[str, object]


async def record(conn: AsyncConnection, actor: str, action: str, obj: str,
                 **detail: object) -> None:
    await conn.execute(insert(AuditEntry).values(
        at=utcnow(), actor=actor, action=action, object=obj,
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)))


async def entries(conn: AsyncConnection, limit: int = 100) -> list[Entry]:
    result = await conn.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.object,
               AuditEntry.detail).order_by(AuditEntry.id.desc()).limit(limit))
    return [Entry(at, actor, action, obj, json.loads(detail))
            for at, actor, action, obj, detail in result]
