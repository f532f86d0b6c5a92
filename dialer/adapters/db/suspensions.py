"""The suspension orders table: record, release, read; and a cheap "has anything changed"
stamp for the running service's poll."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import SuspensionOrder
from dialer.domain.suspension import Order, Request, Scope

_COLUMNS = (SuspensionOrder.id, SuspensionOrder.scope, SuspensionOrder.debt_type,
            SuspensionOrder.reason, SuspensionOrder.city_ref, SuspensionOrder.recorded_by,
            SuspensionOrder.recorded_at, SuspensionOrder.released_by,
            SuspensionOrder.released_at, SuspensionOrder.release_ref)

Stamp = tuple[int, int]


def _order(row: object) -> Order:
    values = tuple(row)  # type: ignore[call-overload]
    return Order(values[0], Scope(values[1]), *values[2:])


async def add(conn: AsyncConnection, request: Request, actor: str, at: datetime) -> int:
    result = await conn.execute(insert(SuspensionOrder).values(
        scope=request.scope.value, debt_type=request.debt_type, reason=request.reason,
        city_ref=request.city_ref, recorded_by=actor, recorded_at=at,
    ).returning(SuspensionOrder.id))
    return int(result.scalar_one())


async def release(conn: AsyncConnection, order_id: int, actor: str, at: datetime,
                  ref: str | None) -> bool:
    """Mark the order released; False when it was not in force (unknown or released)."""
    result = await conn.execute(update(SuspensionOrder).where(
        SuspensionOrder.id == order_id, SuspensionOrder.released_at.is_(None),
    ).values(released_by=actor, released_at=at, release_ref=ref))
    return bool(result.rowcount)


async def get(conn: AsyncConnection, order_id: int) -> Order | None:
    row = (await conn.execute(select(*_COLUMNS).where(SuspensionOrder.id == order_id))).first()
    return _order(row) if row is not None else None


async def active(conn: AsyncConnection) -> list[Order]:
    result = await conn.execute(select(*_COLUMNS).where(SuspensionOrder.released_at.is_(None))
                                .order_by(SuspensionOrder.id))
    return [_order(row) for row in result]


async def history(conn: AsyncConnection, limit: int = 100) -> list[Order]:
    """The newest ``limit`` orders, in force or released, newest first."""
    result = await conn.execute(select(*_COLUMNS).order_by(SuspensionOrder.id.desc())
                                .limit(limit))
    return [_order(row) for row in result]


async def stamp(conn: AsyncConnection) -> Stamp:
    """Changes whenever an order is recorded or released (orders are never deleted and a
    release happens once): the newest id and how many are released."""
    row = (await conn.execute(select(func.coalesce(func.max(SuspensionOrder.id), 0),
                                     func.count(SuspensionOrder.released_at)))).one()
    return int(row[0]), int(row[1])
