"""The campaigns table: a batch's outbound campaign opened or closed by a manager; and a cheap
"has anything changed" stamp for the running services' poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Batch, CampaignRow

OPEN, CLOSED = "open", "closed"

Stamp = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class CampaignInfo:
    batch_id: int
    debt_type: str
    month: str
    state: str
    ring_timeout_s: float
    mode: str
    abandon_cap: float
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


@dataclass(frozen=True)
class Opening:
    """What a manager opens a campaign with."""

    ring_timeout_s: float
    mode: str
    abandon_cap: float


_COLUMNS = (CampaignRow.batch_id, Batch.debt_type, Batch.month, CampaignRow.state,
            CampaignRow.ring_timeout_s, CampaignRow.mode, CampaignRow.abandon_cap,
            CampaignRow.opened_by, CampaignRow.opened_at, CampaignRow.closed_by,
            CampaignRow.closed_at)
_QUERY = select(*_COLUMNS).join(Batch, Batch.id == CampaignRow.batch_id)


async def get(conn: AsyncConnection, batch_id: int) -> CampaignInfo | None:
    row = (await conn.execute(_QUERY.where(CampaignRow.batch_id == batch_id))).first()
    return CampaignInfo(*row) if row is not None else None


async def listing(conn: AsyncConnection, only_open: bool = False) -> list[CampaignInfo]:
    query = _QUERY.order_by(CampaignRow.batch_id)
    if only_open:
        query = query.where(CampaignRow.state == OPEN)
    return [CampaignInfo(*row) for row in await conn.execute(query)]


async def open_(conn: AsyncConnection, batch_id: int, opening: Opening, actor: str,
                at: datetime) -> bool:
    """Open (or open again) the batch's campaign; False when it was open already."""
    values = {"state": OPEN, "ring_timeout_s": opening.ring_timeout_s, "mode": opening.mode,
              "abandon_cap": opening.abandon_cap, "opened_by": actor, "opened_at": at,
              "closed_by": None, "closed_at": None}
    result = await conn.execute(update(CampaignRow).where(
        CampaignRow.batch_id == batch_id, CampaignRow.state == CLOSED,
    ).values(version=CampaignRow.version + 1, **values))
    if result.rowcount:
        return True
    if await conn.scalar(select(CampaignRow.id).where(CampaignRow.batch_id == batch_id)):
        return False
    await conn.execute(insert(CampaignRow).values(batch_id=batch_id, version=1, **values))
    return True


async def close(conn: AsyncConnection, batch_id: int, actor: str, at: datetime) -> bool:
    """Close the batch's campaign; False when it was not open."""
    result = await conn.execute(update(CampaignRow).where(
        CampaignRow.batch_id == batch_id, CampaignRow.state == OPEN,
    ).values(state=CLOSED, closed_by=actor, closed_at=at, version=CampaignRow.version + 1))
    return bool(result.rowcount)


async def stamp(conn: AsyncConnection) -> Stamp:
    """Changes whenever a campaign is opened, closed or erased with its batch: each row's
    batch and version (one row per batch that ever had a campaign: a small table)."""
    result = await conn.execute(select(CampaignRow.batch_id, CampaignRow.version)
                                .order_by(CampaignRow.batch_id))
    return tuple((int(b), int(v)) for b, v in result)
