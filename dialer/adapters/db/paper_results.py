"""The attempts of results entered from the paper fallback list (``source = 'paper'``).

A paper result is written as the attempt the dialer would have written (its target's call count
raised for an outbound call, as claiming a target does) and then finished by the attempt store
like any operator's result, so the next-call plan and every figure treat it the same. Reads and
writes take the caller's connection: one import is one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Attempt, Target, User
from dialer.domain.attempt import Phase

PAPER = "paper"
_CHUNK = 1000  # ids per IN list


@dataclass(frozen=True)
class TargetPlan:
    """A target's next-call plan as stored."""

    done: bool
    next_due_at: datetime | None
    phone_index: int


async def call_times(conn: AsyncConnection, target_ids: Collection[int]
                     ) -> dict[int, list[datetime]]:
    """When each target's calls (any source, either direction) started."""
    found: dict[int, list[datetime]] = {}
    ids = sorted(target_ids)
    for first in range(0, len(ids), _CHUNK):
        rows = await conn.execute(select(Attempt.target_id, Attempt.created_at)
                                  .where(Attempt.target_id.in_(ids[first:first + _CHUNK])))
        for target_id, at in rows:
            found.setdefault(target_id, []).append(at)
    return found


async def logins(conn: AsyncConnection) -> dict[str, int]:
    """Active accounts by login (the paper list's 担当)."""
    rows = await conn.execute(select(User.login, User.id).where(User.active.is_(True)))
    return {login: user_id for login, user_id in rows}


async def add(conn: AsyncConnection, attempt_id: str, batch_id: int, target_id: int,
              at: datetime, direction: str, operator_id: int | None) -> None:
    """The attempt of a paper call, awaiting its result; an outbound one counts as a call to
    its target (``attempts``, ``last_attempt_at``) on the number the plan had it on."""
    index, last = (await conn.execute(select(Target.phone_index, Target.last_attempt_at)
                                      .where(Target.id == target_id))).one()
    await conn.execute(insert(Attempt).values(
        id=attempt_id, batch_id=batch_id, target_id=target_id, phone_index=index,
        operator_id=operator_id, phase=Phase.CONNECTED.value, created_at=at, dialed_at=at,
        direction=direction, source=PAPER))
    if direction == "out":
        await conn.execute(update(Target).where(Target.id == target_id).values(
            attempts=Target.attempts + 1, last_attempt_at=max(last or at, at)))


async def has_later_result(conn: AsyncConnection, target_id: int, at: datetime) -> bool:
    """Has the target a result recorded for a call after ``at``?"""
    return bool(await conn.scalar(select(exists().where(
        Attempt.target_id == target_id, Attempt.result_code.is_not(None),
        Attempt.created_at > at))))


async def plan(conn: AsyncConnection, target_id: int) -> TargetPlan:
    row = (await conn.execute(select(Target.done, Target.next_due_at, Target.phone_index)
                              .where(Target.id == target_id))).one()
    return TargetPlan(bool(row[0]), row[1], row[2])


async def restore(conn: AsyncConnection, target_id: int, kept: TargetPlan) -> None:
    await conn.execute(update(Target).where(Target.id == target_id).values(
        done=kept.done, next_due_at=kept.next_due_at, phone_index=kept.phone_index))
