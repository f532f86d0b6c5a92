"""Batches: one import each (debt type × month, source file name + sha256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Batch, Exclusion, Target, utcnow


@dataclass(frozen=True)
class BatchInfo:
    id: int
    debt_type: str
    month: str
    source_name: str
    sha256: str
    encoding: str
    imported_at: datetime
    imported_by: str
    rows_imported: int
    rows_rejected: int
    target_order: str
    phone_order: str
    targets: int = 0
    excluded: int = 0
    assigned: int = 0


async def create(conn: AsyncConnection, *, debt_type: str, month: str, source_name: str,
                 sha256: str, encoding: str, imported_by: str) -> int:
    result = await conn.execute(insert(Batch).values(
        debt_type=debt_type, month=month, source_name=source_name, sha256=sha256,
        encoding=encoding, imported_by=imported_by, imported_at=utcnow(),
        rows_imported=0, rows_rejected=0, target_order="due", phone_order="file",
    ).returning(Batch.id))
    return int(result.scalar_one())


async def finish(conn: AsyncConnection, batch_id: int, imported: int, rejected: int) -> None:
    await conn.execute(update(Batch).where(Batch.id == batch_id).values(
        rows_imported=imported, rows_rejected=rejected))


async def with_hash(conn: AsyncConnection, sha256: str) -> list[int]:
    result = await conn.execute(select(Batch.id).where(Batch.sha256 == sha256).order_by(Batch.id))
    return list(result.scalars())


async def get(conn: AsyncConnection, batch_id: int) -> BatchInfo | None:
    found = [b for b in await _infos(conn, batch_id) if b.id == batch_id]
    return found[0] if found else None


async def list_all(conn: AsyncConnection) -> list[BatchInfo]:
    return await _infos(conn, None)


async def delete_batch(conn: AsyncConnection, batch_id: int) -> int:
    """Delete the batch and (cascading) all its personal data; the number of targets deleted."""
    count = await conn.scalar(select(func.count()).select_from(Target)
                              .where(Target.batch_id == batch_id))
    await conn.execute(delete(Batch).where(Batch.id == batch_id))
    return int(count or 0)


async def set_order(conn: AsyncConnection, batch_id: int, target_order: str,
                    phone_order: str) -> None:
    await conn.execute(update(Batch).where(Batch.id == batch_id).values(
        target_order=target_order, phone_order=phone_order))


async def _infos(conn: AsyncConnection, batch_id: int | None) -> list[BatchInfo]:
    excluded = select(Exclusion.target_id).distinct().subquery()
    counts = (
        select(Target.batch_id, func.count(Target.id).label("targets"),
               func.count(excluded.c.target_id).label("excluded"),
               func.count(Target.assigned_to).label("assigned"))
        .outerjoin(excluded, excluded.c.target_id == Target.id)
        .group_by(Target.batch_id)
    )
    if batch_id is not None:
        counts = counts.where(Target.batch_id == batch_id)
    sub = counts.subquery()
    query = select(Batch.__table__, sub.c.targets, sub.c.excluded, sub.c.assigned).outerjoin(
        sub, sub.c.batch_id == Batch.id).order_by(Batch.id)
    if batch_id is not None:
        query = query.where(Batch.id == batch_id)
    rows = (await conn.execute(query)).all()
    return [_info(row) for row in rows]


def _info(row: object) -> BatchInfo:
    values = row._mapping  # type: ignore[attr-defined]
    return BatchInfo(
        id=values["id"], debt_type=values["debt_type"], month=values["month"],
        source_name=values["source_name"], sha256=values["sha256"],
        encoding=values["encoding"], imported_at=values["imported_at"],
        imported_by=values["imported_by"], rows_imported=values["rows_imported"],
        rows_rejected=values["rows_rejected"], target_order=values["target_order"],
        phone_order=values["phone_order"], targets=values["targets"] or 0,
        excluded=values["excluded"] or 0, assigned=values["assigned"] or 0,
    )
