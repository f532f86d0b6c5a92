"""What a target's next call is planned from (``dialer.domain.reach_scheduling.plan``): its
own finished outbound calls, its numbers in order, and the moments its *person* was called on
the debt type's other lists — the same 管理番号 in another batch of the same debt type (a
resident on May's and June's lists is one person for the per-day and total limits).

One statement each for any number of targets (the runner plans a burst of results at once);
the other lists are found through the ``(batch_id, ref)`` unique index, batch by batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from dialer.adapters.db.models import Attempt, Batch, Target, TargetPhone


@dataclass(frozen=True)
class Call:
    at: datetime
    phone_index: int
    result_code: str


@dataclass
class TargetFacts:
    batch_id: int = 0
    debt_type: str = ""
    month: str = ""  # its list's month ("2027-05")
    calls: list[Call] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    elsewhere: list[datetime] = field(default_factory=list)  # the person's calls on other lists


async def read(conn: AsyncConnection, target_ids: Sequence[int]) -> dict[int, TargetFacts]:
    ids = sorted(set(target_ids))
    facts = {t: TargetFacts() for t in ids}
    for target, batch, debt_type, month in await conn.execute(
            select(Target.id, Target.batch_id, Batch.debt_type, Batch.month)
            .join(Batch, Batch.id == Target.batch_id).where(Target.id.in_(ids))):
        facts[target].batch_id, facts[target].debt_type = batch, debt_type
        facts[target].month = month
    for target, at, index, code in await conn.execute(
            select(Attempt.target_id, Attempt.created_at, Attempt.phone_index,
                   Attempt.result_code)
            .where(Attempt.target_id.in_(ids), Attempt.result_code.is_not(None),
                   Attempt.direction == "out").order_by(Attempt.created_at)):
        facts[target].calls.append(Call(at, index, code))
    for target, number in await conn.execute(
            select(TargetPhone.target_id, TargetPhone.number)
            .where(TargetPhone.target_id.in_(ids)).order_by(TargetPhone.position)):
        facts[target].numbers.append(number)
    here, here_batch, other, other_batch = (aliased(Target), aliased(Batch), aliased(Target),
                                            aliased(Batch))
    for target, at in await conn.execute(
            select(here.id, Attempt.created_at)
            .join(here_batch, here_batch.id == here.batch_id)
            .join(other_batch, and_(other_batch.debt_type == here_batch.debt_type,
                                    other_batch.id != here_batch.id))
            .join(other, and_(other.batch_id == other_batch.id, other.ref == here.ref))
            .join(Attempt, and_(Attempt.target_id == other.id, Attempt.direction == "out",
                                Attempt.result_code.is_not(None)))
            .where(here.id.in_(ids))):
        facts[target].elsewhere.append(at)
    return facts


async def person_calls_since(conn: AsyncConnection, target_id: int, since: datetime) -> int:
    """Calls placed since ``since`` to this target's person on every list of its debt type
    (this one included; calls still on the line count)."""
    here, here_batch, other, other_batch = (aliased(Target), aliased(Batch), aliased(Target),
                                            aliased(Batch))
    query = (select(func.count()).select_from(here)
             .join(here_batch, here_batch.id == here.batch_id)
             .join(other_batch, other_batch.debt_type == here_batch.debt_type)
             .join(other, and_(other.batch_id == other_batch.id, other.ref == here.ref))
             .join(Attempt, and_(Attempt.target_id == other.id, Attempt.direction == "out",
                                 Attempt.created_at >= since))
             .where(here.id == target_id))
    return int(await conn.scalar(query) or 0)


LEARN_FROM = 20_000  # the newest calls a restarted process learns its answer rates from


async def recent_calls(conn: AsyncConnection, batch_id: int) -> list[tuple[datetime, str, str]]:
    """The batch's newest finished outbound calls (at most LEARN_FROM): when, the number
    called, the result code — what the answer rates are learned from after a restart."""
    calls = (await conn.execute(
        select(Attempt.created_at, Attempt.target_id, Attempt.phone_index, Attempt.result_code)
        .where(Attempt.batch_id == batch_id, Attempt.direction == "out",
               Attempt.result_code.is_not(None))
        .order_by(Attempt.created_at.desc()).limit(LEARN_FROM))).all()
    numbers: dict[int, list[str]] = {}
    for target, number in await conn.execute(
            select(TargetPhone.target_id, TargetPhone.number)
            .where(TargetPhone.target_id.in_({c.target_id for c in calls}))
            .order_by(TargetPhone.position)):
        numbers.setdefault(target, []).append(number)
    return [(at, numbers[target][index], code) for at, target, index, code in calls
            if index < len(numbers.get(target, ()))]
