"""The reports' reads: aggregate queries (GROUP BY) for the figures, and the per-target list
streamed page by page (a batch's ordered target ids first, then each page's details with a few
``IN`` queries), so memory does not grow with the number of targets.

The day's results are one range scan on ``attempts.result_at`` (the board's query); inbound
calls one on ``inbound_calls.started_at``. Every target query is scoped by batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, case, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import board_figures
from dialer.adapters.db.models import (
    Attempt,
    Batch,
    CallNote,
    Debt,
    Exclusion,
    InboundCallRecord,
    Target,
    TargetPhone,
    User,
)
from dialer.domain.reports.daily import DayFacts, InboundDay, TargetCounts
from dialer.domain.reports.period import Voice
from dialer.domain.reports.targets import DayResult, DebtLine, ListedTarget

PAGE = 2000


@dataclass(frozen=True)
class BatchRow:
    id: int
    debt_type: str
    month: str


async def batches(conn: AsyncConnection) -> list[BatchRow]:
    query = select(Batch.id, Batch.debt_type, Batch.month).order_by(Batch.id)
    return [BatchRow(*row) for row in await conn.execute(query)]


async def batches_with_results(conn: AsyncConnection, start: datetime, end: datetime
                               ) -> set[int]:
    query = (select(Attempt.batch_id).distinct()
             .where(Attempt.result_at >= start, Attempt.result_at < end))
    return {batch_id for (batch_id,) in await conn.execute(query)}


# --- figures of one day ------------------------------------------------------------------------

async def day_facts(conn: AsyncConnection, day: date, start: datetime, end: datetime
                    ) -> DayFacts:
    """The day's results per debt type, direction and code (the board's query, one bucket),
    complaints and operators per debt type, and the dedicated number's calls."""
    results = await board_figures.day_results(conn, [start, end], end)  # one bucket
    complaints, operators = await _per_debt_type(conn, start, end)
    total = await _operators(conn, start, end)
    return DayFacts(day, tuple(results), complaints, operators, total,
                    await inbound(conn, start, end))


def _with_result(start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Attempt.result_at >= start, Attempt.result_at < end, Attempt.result_code.is_not(None))


async def _per_debt_type(conn: AsyncConnection, start: datetime, end: datetime
                         ) -> tuple[dict[str, int], dict[str, int]]:
    complaint = exists().where(CallNote.attempt_id == Attempt.id, CallNote.complaint.is_(True))
    query = (select(Batch.debt_type, func.sum(case((complaint, 1), else_=0)),
                    func.count(distinct(Attempt.operator_id)))
             .join(Batch, Batch.id == Attempt.batch_id)
             .where(*_with_result(start, end)).group_by(Batch.debt_type))
    complaints: dict[str, int] = {}
    operators: dict[str, int] = {}
    for debt_type, flagged, people in await conn.execute(query):
        complaints[debt_type], operators[debt_type] = int(flagged or 0), int(people)
    return complaints, operators


async def _operators(conn: AsyncConnection, start: datetime, end: datetime) -> int:
    query = select(func.count(distinct(Attempt.operator_id))).where(*_with_result(start, end))
    return int(await conn.scalar(query) or 0)


async def inbound(conn: AsyncConnection, start: datetime, end: datetime) -> InboundDay:
    query = (select(InboundCallRecord.end, func.count())
             .where(InboundCallRecord.started_at >= start, InboundCallRecord.started_at < end)
             .group_by(InboundCallRecord.end))
    day = InboundDay.from_ends({end_: int(n) for end_, n in await conn.execute(query)})
    record = InboundCallRecord
    unidentified = await conn.scalar(
        select(func.count()).select_from(record)
        .where(record.started_at >= start, record.started_at < end,
               record.result_code.is_not(None), ~exists().where(Attempt.id == record.id)))
    return replace(day, unidentified=int(unidentified or 0))


@dataclass(frozen=True)
class UnidentifiedCall:
    """A caller whose identity could not be confirmed: the operator's note, kept on the
    inbound call (no target), and whether a call back was asked for."""

    started_at: datetime | None
    result_code: str
    note: str
    call_back: bool
    call_back_at: datetime | None


async def unidentified_calls(conn: AsyncConnection, start: datetime, end: datetime
                             ) -> list[UnidentifiedCall]:
    """The day's inbound calls with a note or a call-back request and no identified target."""
    row = InboundCallRecord
    query = (select(row.started_at, row.result_code, row.note, row.callback_number,
                    row.callback_at)
             .where(row.started_at >= start, row.started_at < end,
                    (row.note != "") | row.callback_number.is_not(None))
             .order_by(row.started_at))
    return [UnidentifiedCall(at, code or "", note, number is not None, back)
            for at, code, note, number, back in await conn.execute(query)]


async def target_counts(conn: AsyncConnection, batch_ids: Collection[int], end: datetime
                        ) -> dict[int, TargetCounts]:
    """Per batch: its targets, those excluded before ``end``, and those in play at ``end``
    (not excluded, and not finished — ``done`` with no result at or after ``end``)."""
    if not batch_ids:
        return {}
    excluded = exists().where(Exclusion.target_id == Target.id, Exclusion.created_at < end)
    later = exists().where(Attempt.target_id == Target.id, Attempt.result_at >= end)
    finished = Target.done.is_(True) & ~later
    query = (select(Target.batch_id, func.count(), func.sum(case((excluded, 1), else_=0)),
                    func.sum(case((excluded | finished, 0), else_=1)))
             .where(Target.batch_id.in_(batch_ids)).group_by(Target.batch_id))
    return {batch_id: TargetCounts(int(n), int(ex or 0), int(playing or 0))
            for batch_id, n, ex, playing in await conn.execute(query)}


# --- figures of a period -----------------------------------------------------------------------

async def period_operators(conn: AsyncConnection, start: datetime, end: datetime
                           ) -> tuple[dict[str, int], int]:
    """Different operators with a result in ``[start, end)``: per debt type, and in all."""
    _complaints, per = await _per_debt_type(conn, start, end)
    return per, await _operators(conn, start, end)


async def voices(conn: AsyncConnection, start: datetime, end: datetime) -> list[Voice]:
    """The notes tagged as a resident's voice written in ``[start, end)``."""
    query = (select(CallNote.at, Batch.debt_type, CallNote.result_code, CallNote.note)
             .join(Batch, Batch.id == CallNote.batch_id)
             .where(CallNote.residents_voice.is_(True), CallNote.at >= start,
                    CallNote.at < end).order_by(CallNote.at, CallNote.id))
    return [Voice(*row) for row in await conn.execute(query)]


# --- the per-target list -----------------------------------------------------------------------

async def listed_targets(conn: AsyncConnection, batch: BatchRow, start: datetime,
                         end: datetime, page: int = PAGE
                         ) -> AsyncIterator[list[tuple[ListedTarget, list[DayResult]]]]:
    """The batch's targets in the order of the city's file, page by page, each with its
    results of ``[start, end)`` in the order they were recorded."""
    order = await conn.execute(select(Target.id).where(Target.batch_id == batch.id)
                               .order_by(Target.source_row, Target.id))
    ids = [target_id for (target_id,) in order]
    for first in range(0, len(ids), page):
        chunk = ids[first:first + page]
        results, after = await _results(conn, chunk, start, end)
        targets = await _targets(conn, batch, chunk, end, after)
        yield [(targets[i], results.get(i, [])) for i in chunk]


async def _targets(conn: AsyncConnection, batch: BatchRow, ids: Sequence[int], end: datetime,
                   results_after: set[int]) -> dict[int, ListedTarget]:
    rows = await conn.execute(
        select(Target.id, Target.ref, Target.name, Target.kana, Target.source_row,
               Target.attempts, Target.done).where(Target.id.in_(ids)))
    phones: dict[int, list[str]] = {}
    for target_id, number in await conn.execute(
            select(TargetPhone.target_id, TargetPhone.number)
            .where(TargetPhone.target_id.in_(ids)).order_by(TargetPhone.position)):
        phones.setdefault(target_id, []).append(number)
    debts: dict[int, list[DebtLine]] = {}
    for target_id, year, installment, due, amount in await conn.execute(
            select(Debt.target_id, Debt.fiscal_year, Debt.installment, Debt.due_date,
                   Debt.amount).where(Debt.target_id.in_(ids)).order_by(Debt.source_row)):
        debts.setdefault(target_id, []).append(DebtLine(year, installment, due, amount))
    excluded: dict[int, list[str]] = {}
    for target_id, reason in await conn.execute(
            select(Exclusion.target_id, Exclusion.reason)
            .where(Exclusion.target_id.in_(ids), Exclusion.created_at < end)
            .order_by(Exclusion.created_at, Exclusion.id)):
        excluded.setdefault(target_id, []).append(reason)
    return {tid: ListedTarget(tid, batch.id, batch.debt_type, batch.month, ref, name, kana, row,
                              attempts, bool(done), tid in results_after,
                              tuple(phones.get(tid, ())), tuple(debts.get(tid, ())),
                              tuple(excluded.get(tid, ())))
            for tid, ref, name, kana, row, attempts, done in rows}


async def _results(conn: AsyncConnection, ids: Sequence[int], start: datetime, end: datetime
                   ) -> tuple[dict[int, list[DayResult]], set[int]]:
    """The targets' results of ``[start, end)`` (with their notes), and which targets have a
    result after ``end``. Every result of the targets is read and the day picked here: a
    target has a handful (the retry limits bound them), and a ``result_at`` range next to a
    long ``IN`` list makes SQLite scan the whole day's results for every page."""
    query = (select(Attempt.target_id, Attempt.id, Attempt.direction, Attempt.result_code,
                    Attempt.result_at, User.login, Attempt.appointment_at, CallNote.note,
                    CallNote.escalation, CallNote.complaint, CallNote.residents_voice,
                    CallNote.account_transfer)
             .outerjoin(User, User.id == Attempt.operator_id)
             .outerjoin(CallNote, CallNote.attempt_id == Attempt.id)
             .where(Attempt.target_id.in_(ids), Attempt.result_code.is_not(None))
             .order_by(Attempt.result_at, Attempt.id, CallNote.id))
    found: dict[int, list[DayResult]] = {}
    after: set[int] = set()
    previous = None
    for tid, attempt_id, direction, code, at, login, appointment, note, esc, compl, voice, \
            transfer in await conn.execute(query):
        if at is None or at < start:
            continue
        if at >= end:
            after.add(tid)
            continue
        result = DayResult(direction, code or "", at, login, appointment, note or "",
                           bool(esc), bool(compl), bool(voice), transfer or "")
        if attempt_id == previous:  # a second note on one call: one result, notes together
            result = merged(found[tid].pop(), result)
        found.setdefault(tid, []).append(result)
        previous = attempt_id
    return found, after


def merged(first: DayResult, second: DayResult) -> DayResult:
    return replace(first, note="\n".join(n for n in (first.note, second.note) if n),
                   escalation=first.escalation or second.escalation,
                   complaint=first.complaint or second.complaint,
                   residents_voice=first.residents_voice or second.residents_voice,
                   account_transfer=second.account_transfer or first.account_transfer)
