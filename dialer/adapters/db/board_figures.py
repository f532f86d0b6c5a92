"""The supervisor board's figures from the database: aggregate queries only (GROUP BY), never a
loop over targets or calls. The day's results are one range scan on ``attempts.result_at``
(an index on it keeps that proportional to the day's calls, not to the table); the target
queries are scoped to the open batches (``targets.batch_id`` leads an index)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Attempt, Batch, CallNote, Emergency, Exclusion, Target, User
from dialer.domain.supervision import AssignmentCount, ResultCount


async def day_results(conn: AsyncConnection, edges: Sequence[datetime], end: datetime
                      ) -> list[ResultCount]:
    """Results recorded in ``[edges[0], end)`` per debt type, direction, code and hour bucket
    (index of the last edge at or before ``result_at``), with how many carry a call note
    flagged as an escalation. One range scan; the buckets are computed by the database from
    the edges given (the centre's local hours), so any zone and any DST day is right on any
    dialect."""
    if not edges:
        return []
    bucket = case(*((Attempt.result_at < edge, literal(i - 1))
                    for i, edge in enumerate(edges) if i > 0), else_=literal(len(edges) - 1))
    noted = exists().where(CallNote.attempt_id == Attempt.id, CallNote.escalation.is_(True))
    query = (select(Batch.debt_type, Attempt.direction, Attempt.result_code, bucket,
                    func.count(), func.sum(case((noted, 1), else_=0)))
             .join(Batch, Batch.id == Attempt.batch_id)
             .where(Attempt.result_at >= edges[0], Attempt.result_at < end,
                    Attempt.result_code.is_not(None))
             .group_by(Batch.debt_type, Attempt.direction, Attempt.result_code, bucket))
    return [ResultCount(debt_type, direction, code, int(n), int(flagged or 0), int(b))
            for debt_type, direction, code, b, n, flagged in await conn.execute(query)]


async def in_play(conn: AsyncConnection, batch_ids: Collection[int]) -> dict[int, int]:
    """Per batch: its targets not done and not excluded."""
    if not batch_ids:
        return {}
    query = (select(Target.batch_id, func.count())
             .where(Target.batch_id.in_(batch_ids), Target.done.is_(False),
                    ~exists().where(Exclusion.target_id == Target.id))
             .group_by(Target.batch_id))
    return {batch_id: int(n) for batch_id, n in await conn.execute(query)}


async def next_due(conn: AsyncConnection, batch_ids: Collection[int]
                   ) -> dict[int, datetime | None]:
    """Per batch with targets still to call: when the next one is due (None: one is due at
    once, never called yet). A batch with none left is absent."""
    if not batch_ids:
        return {}
    fresh = func.sum(case((Target.next_due_at.is_(None), 1), else_=0))
    query = (select(Target.batch_id, fresh, func.min(Target.next_due_at))
             .where(Target.batch_id.in_(batch_ids), Target.done.is_(False),
                    ~exists().where(Exclusion.target_id == Target.id))
             .group_by(Target.batch_id))
    return {batch_id: None if fresh_n else first
            for batch_id, fresh_n, first in await conn.execute(query)}


@dataclass(frozen=True)
class BatchRow:
    id: int
    debt_type: str
    month: str


async def batches(conn: AsyncConnection, batch_ids: Collection[int]) -> list[BatchRow]:
    if not batch_ids:
        return []
    query = (select(Batch.id, Batch.debt_type, Batch.month).where(Batch.id.in_(batch_ids))
             .order_by(Batch.id))
    return [BatchRow(*row) for row in await conn.execute(query)]


async def assignment_counts(conn: AsyncConnection, batch_ids: Collection[int]
                            ) -> list[AssignmentCount]:
    """Per batch and assigned operator (None: nobody): targets, and those not done."""
    if not batch_ids:
        return []
    query = (select(Target.batch_id, User.login, func.count(),
                    func.sum(case((Target.done.is_(False), 1), else_=0)))
             .outerjoin(User, User.id == Target.assigned_to)
             .where(Target.batch_id.in_(batch_ids))
             .group_by(Target.batch_id, Target.assigned_to, User.login))
    return [AssignmentCount(batch_id, login, int(n), int(left or 0))
            for batch_id, login, n, left in await conn.execute(query)]


@dataclass(frozen=True)
class EmergencyRow:
    """An emergency flag as the board shows it: no free text (it may name the resident)."""

    call_id: str
    flagged_by: str
    at: datetime
    reason: str


async def emergencies_since(conn: AsyncConnection, since: datetime, limit: int = 20
                            ) -> list[EmergencyRow]:
    query = (select(Emergency.call_id, Emergency.flagged_by, Emergency.at, Emergency.reason)
             .where(Emergency.at >= since).order_by(Emergency.at.desc()).limit(limit))
    return [EmergencyRow(*row) for row in await conn.execute(query)]

