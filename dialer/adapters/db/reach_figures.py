"""対象者接触率's reads (``dialer.domain.reach``): distinct targets per batch, never a loop over
targets or calls. The first contact of each target is one GROUP BY over the batches' attempts
(``attempts.batch_id`` is indexed); the targets are counted per batch against it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Attempt, Batch, Exclusion, Target
from dialer.domain.reach import ReachCount
from dialer.domain.supervision import ResultCount


async def reach_counts(conn: AsyncConnection, batch_ids: Collection[int],
                       contact_codes: Collection[str], start: datetime, end: datetime
                       ) -> dict[int, ReachCount]:
    """Per batch at ``end``: its targets, those excluded before ``end``, those not excluded with
    a result before ``end`` whose code is in ``contact_codes`` (either direction), and of those
    the ones whose first such result came before ``start`` (the day's increment is the rest)."""
    if not batch_ids:
        return {}
    first = (select(Attempt.target_id.label("target_id"),
                    func.min(Attempt.result_at).label("first_at"))
             .where(Attempt.batch_id.in_(batch_ids), Attempt.result_at < end,
                    Attempt.result_code.in_(sorted(contact_codes)))
             .group_by(Attempt.target_id).subquery())
    excluded = exists().where(Exclusion.target_id == Target.id, Exclusion.created_at < end)
    reached = first.c.first_at.is_not(None) & ~excluded
    query = (select(Target.batch_id, func.count(), func.sum(case((excluded, 1), else_=0)),
                    func.sum(case((reached, 1), else_=0)),
                    func.sum(case((reached & (first.c.first_at < start), 1), else_=0)))
             .outerjoin(first, first.c.target_id == Target.id)
             .where(Target.batch_id.in_(batch_ids)).group_by(Target.batch_id))
    found = {batch_id: ReachCount(batch_id, int(n), int(ex or 0), int(hit or 0), int(old or 0))
             for batch_id, n, ex, hit, old in await conn.execute(query)}
    return {b: found.get(b, ReachCount(b)) for b in batch_ids}


async def results_to_date(conn: AsyncConnection, batch_ids: Collection[int], end: datetime
                          ) -> dict[int, list[ResultCount]]:
    """Per batch: its results before ``end`` per direction and code (for 接触件数率)."""
    if not batch_ids:
        return {}
    query = (select(Attempt.batch_id, Batch.debt_type, Attempt.direction, Attempt.result_code,
                    func.count())
             .join(Batch, Batch.id == Attempt.batch_id)
             .where(Attempt.batch_id.in_(batch_ids), Attempt.result_at < end,
                    Attempt.result_code.is_not(None))
             .group_by(Attempt.batch_id, Batch.debt_type, Attempt.direction,
                       Attempt.result_code))
    out: dict[int, list[ResultCount]] = {b: [] for b in batch_ids}
    for batch_id, debt_type, direction, code, n in await conn.execute(query):
        out[batch_id].append(ResultCount(debt_type, direction, code or "", int(n)))
    return out
