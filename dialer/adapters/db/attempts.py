"""Call attempts in the database: the campaign runner's AttemptStore.

An attempt row is written before its Originate (its id is the Asterisk ChannelId), so a crash
never leaves a call Asterisk knows about and the database does not. Every query is scoped by
batch; a target's numbers are taken in their stored order (``phone_index`` into that list).

Several dialer processes may share one database (PostgreSQL): writing the attempt claims its
target atomically (``create``), so two of them never call the same target at once, and each
takes back only its own attempts after a restart (``instance``).

One module (a little over 300 lines): the AttemptStore port's one implementation, its claim and
its next-target query read together.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from dialer.adapters.db import attempt_writes, target_facts
from dialer.adapters.db.attempt_writes import Write
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Exclusion, Target, TargetPhone
from dialer.adapters.db.target_facts import Call, TargetFacts
from dialer.domain import reach_scheduling as reach
from dialer.domain import retry
from dialer.domain.attempt import Phase
from dialer.domain.attempt_store import AttemptRecord, Candidate
from dialer.domain.calendar import Calendar
from dialer.domain.call_routing import Promise
from dialer.domain.outcomes import Classification, Retry

DEFAULT_LIMITS = retry.Limits()
# The writes a ``batched`` block of this task collects (None: write at once).
_PENDING: ContextVar[list[Write] | None] = ContextVar("attempt_writes", default=None)


class DbAttemptStore:
    """``calendar`` and ``policy`` choose how retries are placed
    (``dialer.domain.reach_scheduling``): the service passes its calendar and ``[calling]
    policy``; without a calendar the plan is ``naive`` (the classification's delay on the same
    number)."""

    def __init__(self, database: Database, classification: Classification, tz: ZoneInfo,
                 limits: retry.Limits = DEFAULT_LIMITS, instance: str = "main",
                 calendar: Callable[[], Calendar] | None = None,
                 policy: reach.Policy = reach.Policy.NAIVE) -> None:
        self._db = database
        self._classification = classification
        self._tz = tz
        self._limits = limits
        self._instance = instance  # [database] instance: this process among those sharing it
        self._calendar = calendar
        self._policy = policy if calendar is not None else reach.Policy.NAIVE
        self._rates: dict[int, reach.AnswerRates] = {}  # per batch, learned as results come

    async def next_candidate(self, batch_id: int, now: datetime,
                             busy_numbers: frozenset[str]) -> Candidate | None:
        async with self._db.engine.connect() as conn, \
                contextlib.aclosing(_due(conn, batch_id, now)) as groups:
            async for rows in groups:
                for target_id, index, attempts in rows:
                    numbers = await _numbers(conn, target_id)
                    if index < len(numbers) and numbers[index] not in busy_numbers:
                        owner, since = await _assignment(conn, target_id)
                        return Candidate(batch_id, target_id, index, numbers[index],
                                         await self._was_abandoned(conn, target_id), attempts,
                                         await _promise(conn, target_id), owner, since)
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
                     now: datetime) -> bool:
        """Claim the candidate's target and write its attempt (PLANNED), in one transaction;
        False (nothing written) when another dialer sharing the database claimed it first."""
        async with self._db.engine.begin() as conn:
            await self._learn(conn, candidate.batch_id)
            if await self._over_today(conn, candidate.target_id, now):
                return False
            if not await _claim(conn, candidate, now):
                return False
            await conn.execute(Attempt.__table__.insert().values(
                id=attempt_id, batch_id=candidate.batch_id, target_id=candidate.target_id,
                phone_index=candidate.phone_position, operator_id=operator_id,
                phase=Phase.PLANNED.value, created_at=now, instance=self._instance))
        return True

    async def _learn(self, conn: AsyncConnection, batch_id: int) -> None:
        """The batch's answer rates from its calls so far, once per process (then each result
        adds to them): a restarted service keeps what the campaign learned."""
        if self._calendar is None or batch_id in self._rates:
            return
        calendar, rates = self._calendar(), reach.AnswerRates()
        for at, number, code in await target_facts.recent_calls(conn, batch_id):
            rates.add(reach.slot_at(calendar, at.astimezone(self._tz)), reach.number_kind(number),
                      reach.answered(self._classification.get(code)))
        self._rates[batch_id] = rates

    async def _over_today(self, conn: AsyncConnection, target_id: int, now: datetime) -> bool:
        """The target's person had today's calls already on the debt type's other lists: it
        waits for tomorrow (its own list's calls are held by its plan)."""
        local = now.astimezone(self._tz)
        midnight = datetime.combine(local.date(), time.min, tzinfo=self._tz)
        if await target_facts.person_calls_since(conn, target_id, midnight) < \
                self._limits.per_day:
            return False
        await conn.execute(update(Target).where(Target.id == target_id).values(
            next_due_at=midnight + timedelta(days=1)))
        return True

    async def open_callback(self, call_id: str, batch_id: int, target_id: int,
                            operator_id: int, now: datetime) -> None:
        """A resident calling back was identified (本人確認): their call joins the target's
        history as an inbound attempt (its id is the call's Uniqueid), awaiting its result."""
        async with self._db.engine.begin() as conn:
            index = await conn.scalar(select(Target.phone_index).where(Target.id == target_id))
            await conn.execute(Attempt.__table__.insert().values(
                id=call_id, batch_id=batch_id, target_id=target_id, phone_index=index or 0,
                operator_id=operator_id, phase=Phase.CONNECTED.value, created_at=now,
                connected_at=now, direction="in", instance=self._instance))

    async def exists(self, attempt_id: str) -> bool:
        async with self._db.engine.connect() as conn:
            return bool(await conn.scalar(select(exists().where(Attempt.id == attempt_id))))

    @contextlib.asynccontextmanager
    async def batched(self) -> AsyncIterator[None]:
        """Inside this block, in this task only, ``set_phase`` and ``finish`` are collected and
        written together when it ends: one transaction for a burst of AMI events (the campaign
        runner's event loop), with the outcome of writing them one by one."""
        pending: list[Write] = []
        token = _PENDING.set(pending)
        try:
            yield
        finally:
            _PENDING.reset(token)
            if pending:
                await self._write_all(pending)

    async def _write_all(self, writes: list[Write]) -> None:
        if not attempt_writes.in_bulk_shape(writes):
            for w in writes:
                await (self.set_phase(w.attempt_id, w.phase, w.now) if w.result_code is None
                       else self.finish(w.attempt_id, w.phase, w.result_code, w.now,
                                        w.appointment))
            return
        async with self._db.engine.begin() as conn:
            await attempt_writes.write_all(conn, writes, self._planned)

    async def set_phase(self, attempt_id: str, phase: Phase, now: datetime) -> None:
        if (pending := _PENDING.get()) is not None:
            pending.append(Write(attempt_id, phase, now))
            return
        values = attempt_writes.phase_values(phase, now)
        async with self._db.engine.begin() as conn:
            await conn.execute(update(Attempt).where(Attempt.id == attempt_id).values(**values))

    async def finish(self, attempt_id: str, phase: Phase, result_code: str, now: datetime,
                     appointment: datetime | None = None) -> None:
        if (pending := _PENDING.get()) is not None:
            pending.append(Write(attempt_id, phase, now, result_code, appointment))
            return
        async with self._db.engine.begin() as conn:
            await self.finish_in(conn, attempt_id, phase, result_code, now, appointment)

    async def finish_in(self, conn: AsyncConnection, attempt_id: str, phase: Phase,
                        result_code: str, now: datetime,
                        appointment: datetime | None = None) -> None:
        """``finish`` in ``conn``'s transaction (the console writes a result with its note)."""
        query = select(Attempt.target_id, Attempt.phone_index, Attempt.ended_at)
        row = (await conn.execute(query.where(Attempt.id == attempt_id))).one()
        await conn.execute(update(Attempt).where(Attempt.id == attempt_id).values(
            phase=phase.value, result_code=result_code or None, ended_at=row[2] or now,
            appointment_at=appointment, result_at=now if result_code else None))
        if result_code:
            await self._plan(conn, row[0], row[1], result_code, now, appointment)

    async def _plan(self, conn: AsyncConnection, target_id: int, index: int, code: str,
                    now: datetime, appointment: datetime | None) -> None:
        facts = (await target_facts.read(conn, [target_id]))[target_id]
        plan = self._planned(code, now, facts, index, appointment)
        await conn.execute(update(Target).where(Target.id == target_id).values(
            done=plan.done, next_due_at=plan.due_at, phone_index=plan.phone_position))

    def _planned(self, code: str, now: datetime, facts: TargetFacts, index: int,
                 appointment: datetime | None) -> retry.Plan:
        calendar = self._calendar() if self._calendar is not None else None
        tried = [self._tried(call, calendar) for call in facts.calls]
        kinds = [reach.number_kind(number) for number in facts.numbers]
        result = self._classification.get(code)
        rates = self._rates.setdefault(facts.batch_id, reach.AnswerRates())
        this = next((t for t in reversed(tried) if t.phone_position == index), None)
        if this is not None and index < len(kinds):  # what this call teaches: slot, kind
            rates.add(this.slot, kinds[index], reach.answered(result))
        period = calendar.period(facts.debt_type, facts.month) if calendar else None
        situation = reach.Situation(
            result, now, now.astimezone(self._tz).date(), tried, kinds, index, appointment,
            elsewhere=[at.astimezone(self._tz).date() for at in facts.elsewhere],
            period_end=period.calling.last if period else None)
        return reach.plan(self._policy, calendar, self._limits, situation, rates)

    def _tried(self, call: Call, calendar: Calendar | None) -> reach.Tried:
        at = call.at.astimezone(self._tz)
        return reach.Tried(at.date(), call.phone_index,
                           reach.slot_at(calendar, at) if calendar is not None else None,
                           self._classification.get(call.result_code).retry is Retry.NEXT_PHONE)

    async def unfinished(self) -> list[AttemptRecord]:
        """This dialer's open attempts (and those written before attempts had an instance)."""
        mine = or_(Attempt.instance == self._instance, Attempt.instance.is_(None))
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(select(
                Attempt.id, Attempt.batch_id, Attempt.target_id, Attempt.phone_index,
                Attempt.operator_id, Attempt.phase, Attempt.created_at)
                .where(Attempt.result_code.is_(None), Attempt.phase != Phase.DONE.value, mine))
            return [AttemptRecord(r[0], r[1], r[2], r[3], r[4], Phase(r[5]), started_at=r[6])
                    for r in rows]


async def _promise(conn: AsyncConnection, target_id: int) -> Promise | None:
    """The call back agreed with the resident that makes the target due: the result whose
    appointment is the target's next call (who agreed it, and when)."""
    row = (await conn.execute(
        select(Attempt.appointment_at, Attempt.operator_id)
        .join(Target, Target.id == Attempt.target_id)
        .where(Attempt.target_id == target_id, Attempt.appointment_at.is_not(None),
               Attempt.appointment_at == Target.next_due_at)
        .order_by(Attempt.result_at.desc()).limit(1))).first()
    return Promise(row[0], row[1]) if row is not None else None


async def _assignment(conn: AsyncConnection, target_id: int
                      ) -> tuple[int | None, datetime | None]:
    """Whom the target is assigned to, and since when it is hers to call (the later of its
    assignment and its due time)."""
    row = (await conn.execute(select(Target.assigned_to, Target.assigned_at, Target.next_due_at)
                              .where(Target.id == target_id))).one()
    owner, assigned_at, due_at = row
    if owner is None:
        return None, None
    known = [t for t in (assigned_at, due_at) if t is not None]
    return owner, max(known) if known else None


async def _claim(conn: AsyncConnection, candidate: Candidate, now: datetime) -> bool:
    """Compare-and-set on the target row, the first write of the attempt's transaction: it is
    claimed only if it still has the attempts count it was chosen with (every claim raises it),
    is not done and has no attempt open. Of two dialers that chose the same target, one gets
    it. On PostgreSQL the row is locked first with SKIP LOCKED, so a target another dialer is
    claiming this instant is passed over at once rather than waited for; on SQLite the UPDATE
    itself takes the database's write lock (one writer at a time)."""
    mine = [Target.id == candidate.target_id, Target.done.is_(False)]
    if candidate.attempts is not None:
        mine.append(Target.attempts == candidate.attempts)
    if conn.dialect.name == "postgresql":
        locked = await conn.scalar(select(Target.id).where(*mine)
                                   .with_for_update(skip_locked=True))
        if locked is None:
            return False
    claimed = await conn.execute(update(Target).where(*mine, ~_open_attempt()).values(
        attempts=Target.attempts + 1, last_attempt_at=now))
    return claimed.rowcount == 1


def _open_attempt() -> ColumnElement[bool]:
    """The target (the outer query's row) has an attempt without a result, not done."""
    return exists().where(Attempt.target_id == Target.id, Attempt.result_code.is_(None),
                          Attempt.phase != Phase.DONE.value)


LOOK_AHEAD = 20  # due targets looked at per call (some numbers may be on a call already)


async def _due(conn: AsyncConnection, batch_id: int, now: datetime
               ) -> AsyncIterator[list[tuple[int, int, int]]]:
    """The due targets of a batch in calling order, one attempts count at a time (LOOK_AHEAD in
    all): fewest attempts first; within the same count the longest overdue first, then those
    due now (no time set), by id; none excluded or with an attempt still open.

    Each statement reads ranges of the index ``ix_targets_due`` (batch, done, attempts, due):
    the next attempts count present, its overdue targets, its due-now targets — so the cost
    does not grow with the batch. (One ORDER BY over the batch sorted every target per call.)
    """
    wanted, after = LOOK_AHEAD, -1
    while wanted > 0:
        values = {"batch_id": batch_id, "after": after, "now": now, "wanted": wanted}
        rows = (await conn.execute(_GROUP_AFTER, values)).all()[:wanted]
        if rows:
            after = rows[0].attempts
            wanted -= len(rows)
            yield [(row.id, row.phone_index, row.attempts) for row in rows]
            continue
        # nothing due at the next count (all waiting for a later time): the one after it
        group = await conn.scalar(_NEXT_COUNT, values)
        if group is None:
            return
        after = group


def _next_count() -> Select[tuple[int | None]]:
    """The smallest attempts count above ``:after`` among the batch's unfinished targets."""
    other = aliased(Target)
    return (select(func.min(other.attempts))
            .where(other.batch_id == bindparam("batch_id"), other.done.is_(False),
                   other.attempts > bindparam("after")))


def _group_after() -> Select[Any]:
    """The overdue then the due-now targets with the next attempts count above ``:after``
    (``:wanted`` of each at most). Built once: building it costs more than running it."""
    count = _next_count().scalar_subquery()
    parts = [part.add_columns(literal(n).label("part"), Target.attempts, Target.next_due_at)
             .limit(bindparam("wanted", type_=Integer)).subquery()
             for n, part in enumerate((_overdue(count), _due_now(count)))]
    selects = [select(p.c.id, p.c.phone_index, p.c.attempts, p.c.part, p.c.next_due_at)
               for p in parts]
    both = union_all(*selects).subquery()
    return select(both).order_by(both.c.part, both.c.next_due_at, both.c.id)


def _dialable(attempts: ColumnElement[int]) -> Select[tuple[int, int]]:
    return select(Target.id, Target.phone_index).where(
        Target.batch_id == bindparam("batch_id"), Target.done.is_(False),
        Target.attempts == attempts,
        ~exists().where(Exclusion.target_id == Target.id), ~_open_attempt())


def _overdue(attempts: ColumnElement[int]) -> Select[tuple[int, int]]:
    return (_dialable(attempts).where(Target.next_due_at <= bindparam("now"))
            .order_by(Target.next_due_at, Target.id))


def _due_now(attempts: ColumnElement[int]) -> Select[tuple[int, int]]:
    return _dialable(attempts).where(Target.next_due_at.is_(None)).order_by(Target.id)


_NEXT_COUNT = _next_count()
_GROUP_AFTER = _group_after()


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


async def result_code(conn: AsyncConnection, attempt_id: str) -> str | None:
    """The attempt's recorded result, read in ``conn`` (None: none yet, or no attempt)."""
    return await conn.scalar(select(Attempt.result_code).where(Attempt.id == attempt_id))
