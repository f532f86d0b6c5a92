"""Phase changes and results of many attempts written together: one transaction, a handful of
statements whatever their number. The campaign runner applies a burst of AMI events this way
(``DbAttemptStore.batched``); one write at a time costs a commit and several round trips each,
which a busy AMI stream cannot afford (tests/bench/bench_ami_pipeline.py).

The outcome is the one of writing them one by one in their order (``DbAttemptStore.set_phase``
and ``finish``): an attempt's phase changes are merged in order, its result comes after them,
and each target's retry plan is made from its whole history, this burst's results included.
A burst in another shape (a write after an attempt's result) is written one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import target_facts
from dialer.adapters.db.models import Attempt, Target
from dialer.adapters.db.target_facts import TargetFacts
from dialer.domain import retry
from dialer.domain.attempt import Phase

STAMPS = {Phase.DIALING: "dialed_at", Phase.ANSWERED: "answered_at",
          Phase.CONNECTED: "connected_at", Phase.WRAP_UP: "ended_at"}

# (result code, now, what the target's plan is made from, the phone index, appointment)
Planner = Callable[[str, datetime, TargetFacts, int, datetime | None], retry.Plan]


@dataclass(frozen=True)
class Write:
    attempt_id: str
    phase: Phase
    now: datetime
    result_code: str | None = None  # None: a phase change only; "": ended without a result
    appointment: datetime | None = None

    @property
    def is_result(self) -> bool:
        return self.result_code is not None


def phase_values(phase: Phase, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"phase": phase.value}
    if phase in STAMPS:
        values[STAMPS[phase]] = now
    return values


def in_bulk_shape(writes: Sequence[Write]) -> bool:
    """Every attempt's result, if any, is its last write (so results may go after phases)."""
    ended: set[str] = set()
    for write in writes:
        if write.attempt_id in ended:
            return False
        if write.is_result:
            ended.add(write.attempt_id)
    return True


async def write_all(conn: AsyncConnection, writes: Sequence[Write], plan: Planner) -> None:
    """Write ``writes`` (in bulk shape) in ``conn``'s transaction."""
    await _phases(conn, [w for w in writes if not w.is_result])
    await _results(conn, [w for w in writes if w.is_result], plan)


async def _phases(conn: AsyncConnection, writes: list[Write]) -> None:
    merged: dict[str, dict[str, Any]] = {}
    for write in writes:
        merged.setdefault(write.attempt_id, {}).update(phase_values(write.phase, write.now))
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for attempt_id, values in merged.items():
        shapes.setdefault(tuple(sorted(values)), []).append(
            {"b_id": attempt_id, **{f"b_{k}": v for k, v in values.items()}})
    for columns, rows in shapes.items():
        statement = update(Attempt).where(Attempt.id == bindparam("b_id")).values(
            {column: bindparam(f"b_{column}") for column in columns})
        await conn.execute(statement, rows)


async def _results(conn: AsyncConnection, writes: list[Write], plan: Planner) -> None:
    if not writes:
        return
    ids = [w.attempt_id for w in writes]
    rows = {r[0]: r[1:] for r in await conn.execute(select(
        Attempt.id, Attempt.target_id, Attempt.phone_index, Attempt.ended_at)
        .where(Attempt.id.in_(ids)))}
    writes = [w for w in writes if w.attempt_id in rows]
    if not writes:
        return
    await conn.execute(update(Attempt).where(Attempt.id == bindparam("b_id")).values(
        phase=bindparam("b_phase"), result_code=bindparam("b_code"),
        ended_at=bindparam("b_ended"), appointment_at=bindparam("b_appointment"),
        result_at=bindparam("b_result_at")), [
        {"b_id": w.attempt_id, "b_phase": w.phase.value, "b_code": w.result_code or None,
         "b_ended": rows[w.attempt_id][2] or w.now, "b_appointment": w.appointment,
         "b_result_at": w.now if w.result_code else None} for w in writes])
    coded = [w for w in writes if w.result_code]
    if coded:
        await _plans(conn, coded, {w.attempt_id: rows[w.attempt_id][:2] for w in coded}, plan)


async def _plans(conn: AsyncConnection, writes: list[Write],
                 where: dict[str, tuple[int, int]], plan: Planner) -> None:
    """Each target's next call, from its whole history (this burst's results included)."""
    facts = await target_facts.read(conn, [target for target, _index in where.values()])
    plans: dict[int, retry.Plan] = {}
    for write in writes:  # in order: a target's last result decides, as one by one
        target, index = where[write.attempt_id]
        plans[target] = plan(str(write.result_code), write.now, facts[target], index,
                             write.appointment)
    await conn.execute(update(Target).where(Target.id == bindparam("b_id")).values(
        done=bindparam("b_done"), next_due_at=bindparam("b_due"),
        phone_index=bindparam("b_index")), [
        {"b_id": target, "b_done": p.done, "b_due": p.due_at, "b_index": p.phone_position}
        for target, p in plans.items()])
