"""Who is calling back: the targets this centre called on that number, batch by batch.

Only targets that were actually called from the dedicated number (an attempt exists) count, and
only in batches whose callback-handling period is open today; each candidate stays in its own
batch (no person is matched or merged across batches or debt types). The operator sees these
candidates with minimal data and confirms identity (本人確認) before anything else opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, select

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Batch, Target, TargetPhone


@dataclass(frozen=True)
class CallerCandidate:
    batch_id: int
    debt_type: str
    target_id: int
    ref: str  # 管理番号: what the operator asks the caller to confirm, with the name


async def candidates(database: Database, number: str, batches: Iterable[int]
                     ) -> list[CallerCandidate]:
    """Targets of ``batches`` (those in their callback period) called before on ``number``."""
    wanted = list(batches)
    if not wanted or not number:
        return []
    called = exists().where(Attempt.target_id == Target.id, Attempt.dialed_at.is_not(None))
    query = (select(Batch.id, Batch.debt_type, Target.id, Target.ref)
             .join(Target, Target.batch_id == Batch.id)
             .join(TargetPhone, TargetPhone.target_id == Target.id)
             .where(TargetPhone.number == number, Batch.id.in_(wanted), called)
             .distinct().order_by(Batch.id, Target.id))
    async with database.engine.connect() as conn:
        return [CallerCandidate(*row) for row in await conn.execute(query)]


async def called_numbers(database: Database, limit: int = 200) -> list[str]:
    """Numbers this centre has dialed (the demo's residents who may call back)."""
    query = (select(TargetPhone.number)
             .join(Attempt, Attempt.target_id == TargetPhone.target_id)
             .where(Attempt.dialed_at.is_not(None), Attempt.direction == "out")
             .distinct().limit(limit))
    async with database.engine.connect() as conn:
        return [number for (number,) in await conn.execute(query)]
