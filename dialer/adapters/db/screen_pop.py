"""One target's record as the operator sees it on a screen-pop, and the notes of its calls.

Read by target id *within its batch* only: the record holds that batch's debts, numbers (masked
— the operator never dials by hand), calls and notes, nothing from any other batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Attempt, Batch, CallNote, Debt, Target, TargetPhone, User
from dialer.domain import phone
from dialer.domain.reports.targets import DebtLine


@dataclass(frozen=True)
class PastCall:
    at: datetime | None
    direction: str
    result_code: str | None
    operator: str


@dataclass(frozen=True)
class PastNote:
    at: datetime
    author: str
    result_code: str
    note: str
    escalation: bool
    complaint: bool
    residents_voice: bool
    account_transfer: str


@dataclass(frozen=True)
class TargetRecord:
    target_id: int
    batch_id: int
    debt_type: str
    month: str
    ref: str
    name: str
    kana: str
    phones: list[str] = field(default_factory=list)  # masked
    debts: list[DebtLine] = field(default_factory=list)
    calls: list[PastCall] = field(default_factory=list)
    notes: list[PastNote] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(d.amount or 0 for d in self.debts)


@dataclass(frozen=True)
class NoteEntry:
    attempt_id: str
    batch_id: int
    target_id: int
    author_id: int
    at: datetime
    result_code: str
    note: str = ""
    escalation: bool = False
    complaint: bool = False
    residents_voice: bool = False
    account_transfer: str = ""


async def record(conn: AsyncConnection, batch_id: int, target_id: int) -> TargetRecord | None:
    head = (await conn.execute(
        select(Target.ref, Target.name, Target.kana, Batch.debt_type, Batch.month)
        .join(Batch, Batch.id == Target.batch_id)
        .where(Target.id == target_id, Target.batch_id == batch_id))).one_or_none()
    if head is None:
        return None
    numbers = [phone.mask(n) for (n,) in await conn.execute(
        select(TargetPhone.number).where(TargetPhone.target_id == target_id)
        .order_by(TargetPhone.position))]
    debts = [DebtLine(*row) for row in await conn.execute(
        select(Debt.fiscal_year, Debt.installment, Debt.due_date, Debt.amount)
        .where(Debt.target_id == target_id).order_by(Debt.due_date, Debt.source_row))]
    calls = [PastCall(at, direction, code, login or "") for at, direction, code, login in
             await conn.execute(
                 select(Attempt.created_at, Attempt.direction, Attempt.result_code, User.login)
                 .outerjoin(User, User.id == Attempt.operator_id)
                 .where(Attempt.target_id == target_id, Attempt.batch_id == batch_id)
                 .order_by(Attempt.created_at.desc()).limit(50))]
    notes = [PastNote(at, login or "", code, note, esc, comp, voice, transfer)
             for at, login, code, note, esc, comp, voice, transfer in await conn.execute(
                 select(CallNote.at, User.login, CallNote.result_code, CallNote.note,
                        CallNote.escalation, CallNote.complaint, CallNote.residents_voice,
                        CallNote.account_transfer)
                 .outerjoin(User, User.id == CallNote.author_id)
                 .where(CallNote.target_id == target_id, CallNote.batch_id == batch_id)
                 .order_by(CallNote.at.desc()).limit(50))]
    ref, name, kana, debt_type, month = head
    return TargetRecord(target_id, batch_id, debt_type, month, ref, name, kana or "", numbers,
                        debts, calls, notes)


async def add_note(conn: AsyncConnection, entry: NoteEntry) -> None:
    await conn.execute(insert(CallNote).values(
        attempt_id=entry.attempt_id, batch_id=entry.batch_id, target_id=entry.target_id,
        author_id=entry.author_id, at=entry.at, result_code=entry.result_code, note=entry.note,
        escalation=entry.escalation, complaint=entry.complaint,
        residents_voice=entry.residents_voice, account_transfer=entry.account_transfer))


async def call_target(conn: AsyncConnection, attempt_id: str) -> tuple[int, int] | None:
    """(batch id, target id) of a call, or None."""
    row = (await conn.execute(select(Attempt.batch_id, Attempt.target_id)
                              .where(Attempt.id == attempt_id))).one_or_none()
    return (row[0], row[1]) if row else None
