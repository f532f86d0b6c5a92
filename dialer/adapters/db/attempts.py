"""Call attempts in the database: the campaign runner's AttemptStore.

An attempt row is written before its Originate (its id is the Asterisk ChannelId), so a crash
never leaves a call Asterisk knows about and the database does not. Every query is scoped by
batch; a target's numbers are taken in their stored order (``phone_index`` into that list).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Exclusion, Target, TargetPhone
from dialer.domain import retry
from dialer.domain.attempt import Phase
from dialer.domain.outcomes import Classification
from dialer.services.attempt_store import AttemptRecord, Candidate

DEFAULT_LIMITS = retry.Limits()


class DbAttemptStore:
    def __init__(self, database: Database, classification: Classification, tz: ZoneInfo,
                 limits: retry.Limits = DEFAULT_LIMITS) -> None:
        self._db = database
        self._classification = classification
        self._tz = tz
        self._limits = limits

    async def next_candidate(self, batch_id: int, now: datetime,
                             busy_numbers: frozenset[str]) -> Candidate | None:
        async with self._db.engine.connect() as conn:
            for target_id, index in await conn.execute(_due(batch_id, now)):
                numbers = await _numbers(conn, target_id)
                if index < len(numbers) and numbers[index] not in busy_numbers:
                    return Candidate(batch_id, target_id, index, numbers[index],
                                     await self._was_abandoned(conn, target_id))
        return None

    async def _was_abandoned(self, conn: AsyncConnection, target_id: int) -> bool:
        code = self._classification.abandoned().code
        return bool(await conn.scalar(select(exists().where(
            Attempt.target_id == target_id, Attempt.result_code == code))))

    async def still_dialable(self, target_id: int) -> bool:
        async with self._db.engine.connect() as conn:
            query = select(exists().where(Target.id == target_id, Target.done.is_(False))
                           & ~exists().where(Exclusion.target_id == target_id))
            return bool(await conn.scalar(query))

    async def create(self, attempt_id: str, candidate: Candidate, operator_id: int | None,
                     now: datetime) -> None:
        async with self._db.engine.begin() as conn:
            await conn.execute(Attempt.__table__.insert().values(
                id=attempt_id, batch_id=candidate.batch_id, target_id=candidate.target_id,
                phone_index=candidate.phone_position, operator_id=operator_id,
                phase=Phase.PLANNED.value, created_at=now))
            await conn.execute(update(Target).where(Target.id == candidate.target_id).values(
                attempts=Target.attempts + 1, last_attempt_at=now))

    async def open_callback(self, call_id: str, batch_id: int, target_id: int,
                            operator_id: int, now: datetime) -> None:
        """A resident calling back was identified (本人確認): their call joins the target's
        history as an inbound attempt (its id is the call's Uniqueid), awaiting its result."""
        async with self._db.engine.begin() as conn:
            index = await conn.scalar(select(Target.phone_index).where(Target.id == target_id))
            await conn.execute(Attempt.__table__.insert().values(
                id=call_id, batch_id=batch_id, target_id=target_id, phone_index=index or 0,
                operator_id=operator_id, phase=Phase.CONNECTED.value, created_at=now,
                connected_at=now, direction="in"))

    async def exists(self, attempt_id: str) -> bool:
        async with self._db.engine.connect() as conn:
            return bool(await conn.scalar(select(exists().where(Attempt.id == attempt_id))))

    async def set_phase(self, attempt_id: str, phase: Phase, now: datetime) -> None:
        stamps = {Phase.DIALING: "dialed_at", Phase.ANSWERED: "answered_at",
                  Phase.CONNECTED: "connected_at", Phase.WRAP_UP: "ended_at"}
        values: dict[str, object] = {"phase": phase.value}
        if phase in stamps:
            values[stamps[phase]] = now
        async with self._db.engine.begin() as conn:
            await conn.execute(update(Attempt).where(Attempt.id == attempt_id).values(**values))

    async def finish(self, attempt_id: str, phase: Phase, result_code: str, now: datetime,
                     appointment: datetime | None = None) -> None:
        async with self._db.engine.begin() as conn:
            query = select(Attempt.target_id, Attempt.phone_index, Attempt.ended_at)
            row = (await conn.execute(query.where(Attempt.id == attempt_id))).one()
            await conn.execute(update(Attempt).where(Attempt.id == attempt_id).values(
                phase=phase.value, result_code=result_code or None, ended_at=row[2] or now,
                appointment_at=appointment, result_at=now if result_code else None))
            if result_code:
                await self._plan(conn, row[0], row[1], result_code, now, appointment)

    async def _plan(self, conn: AsyncConnection, target_id: int, index: int, code: str,
                    now: datetime, appointment: datetime | None) -> None:
        history = [retry.PastAttempt(at.astimezone(self._tz).date(), i) for at, i in
                   await conn.execute(select(Attempt.created_at, Attempt.phone_index).where(
                       Attempt.target_id == target_id, Attempt.result_code.is_not(None),
                       Attempt.direction == "out"))]
        count = len(await _numbers(conn, target_id))
        plan = retry.after(self._classification.get(code), now, now.astimezone(self._tz).date(),
                           history, count, index, self._limits, appointment)
        await conn.execute(update(Target).where(Target.id == target_id).values(
            done=plan.done, next_due_at=plan.due_at, phone_index=plan.phone_position))

    async def unfinished(self) -> list[AttemptRecord]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(select(
                Attempt.id, Attempt.batch_id, Attempt.target_id, Attempt.phone_index,
                Attempt.operator_id, Attempt.phase, Attempt.created_at)
                .where(Attempt.result_code.is_(None), Attempt.phase != Phase.DONE.value))
            return [AttemptRecord(r[0], r[1], r[2], r[3], r[4], Phase(r[5]), started_at=r[6])
                    for r in rows]


def _due(batch_id: int, now: datetime) -> Select[tuple[int, int]]:
    """Due targets of a batch, fewest attempts first; none with an attempt still open."""
    open_attempt = exists().where(Attempt.target_id == Target.id, Attempt.result_code.is_(None),
                                  Attempt.phase != Phase.DONE.value)
    return (select(Target.id, Target.phone_index)
            .where(Target.batch_id == batch_id, Target.done.is_(False),
                   (Target.next_due_at.is_(None)) | (Target.next_due_at <= now),
                   ~exists().where(Exclusion.target_id == Target.id), ~open_attempt)
            .order_by(Target.attempts, func.coalesce(Target.next_due_at, now), Target.id)
            .limit(20))


async def _numbers(conn: AsyncConnection, target_id: int) -> list[str]:
    rows = await conn.execute(select(TargetPhone.number).where(TargetPhone.target_id == target_id)
                              .order_by(TargetPhone.position))
    return [r[0] for r in rows]


async def outcome_counts(database: Database, batch_id: int) -> dict[str, int]:
    """How the batch's attempts ended so far: {result code: count} ("" = still open)."""
    async with database.engine.connect() as conn:
        rows = await conn.execute(select(Attempt.result_code, func.count())
                                  .where(Attempt.batch_id == batch_id)
                                  .group_by(Attempt.result_code))
        return {code or "": int(n) for code, n in rows}


async def results_since(database: Database, since: datetime) -> dict[str, int]:
    """Results recorded since ``since`` (all batches): {result code: count}."""
    async with database.engine.connect() as conn:
        rows = await conn.execute(select(Attempt.result_code, func.count())
                                  .where(Attempt.result_at >= since,
                                         Attempt.result_code.is_not(None),
                                         Attempt.direction == "out")
                                  .group_by(Attempt.result_code))
        return {code: int(n) for code, n in rows}
