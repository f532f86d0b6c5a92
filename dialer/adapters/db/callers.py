"""Who is calling back: candidates within one batch at a time.

``candidates`` are the targets this centre called on the calling number; ``search`` finds
targets by what the caller says (管理番号, name or kana, another number), for a caller from a
number the centre never dialed. Both look only in batches whose callback-handling period is
open today (the caller passes them), one query per batch: no person is matched or merged across
batches or debt types, and no list is joined with another. A candidate carries only what the
operator checks (本人確認): debt type, 管理番号 and name; the record opens only after that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, or_, select

from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.models import Attempt, Batch, Target, TargetPhone


@dataclass(frozen=True)
class CallerCandidate:
    batch_id: int
    debt_type: str
    target_id: int
    ref: str  # 管理番号: what the operator asks the caller to confirm, with the name
    name: str = ""


class SearchBy(StrEnum):
    REF = "ref"  # 管理番号, exactly
    NAME = "name"  # the folded name or kana (dialer.domain.kana), a prefix
    PHONE = "phone"  # one of the target's numbers, canonical form


_COLUMNS = (Batch.id, Batch.debt_type, Target.id, Target.ref, Target.name)


async def candidates(database: Database, number: str, batches: Iterable[int]
                     ) -> list[CallerCandidate]:
    """Targets of ``batches`` (those in their callback period) called before on ``number``."""
    if not number:
        return []
    called = exists().where(Attempt.target_id == Target.id, Attempt.dialed_at.is_not(None))
    found: list[CallerCandidate] = []
    async with database.engine.connect() as conn:
        for batch_id in batches:
            found += await _in_batch(conn, batch_id, [TargetPhone.number == number, called],
                                     phones=True)
    return found


async def search(conn: Connection, batch_id: int, by: SearchBy, value: str, limit: int
                 ) -> list[CallerCandidate]:
    """Targets of one batch whose 管理番号 is ``value``, whose folded name or kana starts with
    it, or who have the number ``value`` (already folded / normalised by the caller)."""
    if by is SearchBy.REF:
        return await _in_batch(conn, batch_id, [Target.ref == value], limit=limit)
    if by is SearchBy.PHONE:
        return await _in_batch(conn, batch_id, [TargetPhone.number == value], limit=limit,
                               phones=True)
    prefix = or_(Target.name_key.startswith(value, autoescape=True),
                 Target.kana_key.startswith(value, autoescape=True))
    return await _in_batch(conn, batch_id, [prefix], limit=limit)


async def _in_batch(conn: Connection, batch_id: int, where: list[ColumnElement[bool]],
                    limit: int | None = None, phones: bool = False) -> list[CallerCandidate]:
    query = select(*_COLUMNS).join(Target, Target.batch_id == Batch.id)
    if phones:
        query = query.join(TargetPhone, TargetPhone.target_id == Target.id)
    query = query.where(Batch.id == batch_id, *where).distinct().order_by(Target.id)
    if limit is not None:
        query = query.limit(limit)
    return [CallerCandidate(*row) for row in await conn.execute(query)]


async def called_numbers(database: Database, limit: int = 200) -> list[str]:
    """Numbers this centre has dialed (the demo's residents who may call back)."""
    query = (select(TargetPhone.number)
             .join(Attempt, Attempt.target_id == TargetPhone.target_id)
             .where(Attempt.dialed_at.is_not(None), Attempt.direction == "out")
             .distinct().limit(limit))
    async with database.engine.connect() as conn:
        return [number for (number,) in await conn.execute(query)]
