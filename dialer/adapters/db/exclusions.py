"""Exclusions (do-not-call) and the check the dialer makes right before every originate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.bulk import insert_ignoring_duplicates
from dialer.adapters.db.models import Exclusion, Target, utcnow


@dataclass(frozen=True)
class ExclusionInfo:
    target_id: int
    ref: str
    reason: str
    note: str | None
    source: str
    created_at: datetime
    created_by: str


async def add(conn: AsyncConnection, entries: Sequence[tuple[int, str, str | None]], *,
              source: str, actor: str) -> int:
    """Record (target id, reason, note) entries; the number new (a repeated reason is kept once)."""
    if not entries:
        return 0
    statement = insert_ignoring_duplicates(conn, Exclusion.__table__)  # type: ignore[arg-type]
    now = utcnow()
    # The rows RETURNING gives are the new ones (asyncpg has no rowcount for many rows).
    result = await conn.execute(statement.returning(Exclusion.id), [
        {"target_id": t, "reason": r, "note": n, "source": source, "created_at": now,
         "created_by": actor} for t, r, n in entries])
    return len(result.all())


async def is_dialable(conn: AsyncConnection, target_id: int) -> bool:
    """True when the target still exists (its batch was not deleted) and is not excluded.

    The dialer calls this right before every originate, so an exclusion entered a second ago
    stops a call already queued in the current window.
    """
    query = select(
        exists().where(Target.id == target_id)
        & ~exists().where(Exclusion.target_id == target_id))
    return bool(await conn.scalar(query))


async def of_batch(conn: AsyncConnection, batch_id: int) -> list[ExclusionInfo]:
    result = await conn.execute(
        select(Exclusion.target_id, Target.ref, Exclusion.reason, Exclusion.note,
               Exclusion.source, Exclusion.created_at, Exclusion.created_by)
        .join(Target).where(Target.batch_id == batch_id).order_by(Exclusion.id))
    return [ExclusionInfo(*row) for row in result]
