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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

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
    await _elsewhere(conn, facts)
    return facts


async def _elsewhere(conn: AsyncConnection, facts: dict[int, TargetFacts]) -> None:
    """Each target's person's calls on the debt type's other lists: the other lists' targets
    with the same 管理番号, found through the ``(batch_id, ref)`` index."""
    refs = {t: ref for t, ref in await conn.execute(
        select(Target.id, Target.ref).where(Target.id.in_(facts)))}
    for debt_type in {f.debt_type for f in facts.values()}:
        mine = {t: f for t, f in facts.items() if f.debt_type == debt_type}
        others = await _other_batches(conn, debt_type, {f.batch_id for f in mine.values()})
        if not others:
            continue
        owner: dict[str, list[int]] = {}
        for t in mine:
            owner.setdefault(refs[t], []).append(t)
        for ref, at in await conn.execute(
                select(Target.ref, Attempt.created_at)
                .join(Attempt, Attempt.target_id == Target.id)
                .where(Target.batch_id.in_(others), Target.ref.in_(owner),
                       Attempt.direction == "out", Attempt.result_code.is_not(None))):
            for t in owner[ref]:
                if facts[t].batch_id in others:
                    continue
                facts[t].elsewhere.append(at)


async def _other_batches(conn: AsyncConnection, debt_type: str, besides: set[int]
                         ) -> set[int]:
    return {b for (b,) in await conn.execute(select(Batch.id).where(
        Batch.debt_type == debt_type))} - besides


async def person_calls_since(conn: AsyncConnection, target_id: int, since: datetime) -> int:
    """Calls placed since ``since`` to this target's person on every list of its debt type
    (this one included; calls still on the line count)."""
    found = (await conn.execute(select(Target.ref, Batch.debt_type)
                                .join(Batch, Batch.id == Target.batch_id)
                                .where(Target.id == target_id))).first()
    if found is None:
        return 0
    ref, debt_type = found
    batches = await _other_batches(conn, debt_type, set())
    query = (select(func.count()).select_from(Target)
             .join(Attempt, Attempt.target_id == Target.id)
             .where(Target.batch_id.in_(batches), Target.ref == ref,
                    Attempt.direction == "out", Attempt.created_at >= since))
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
