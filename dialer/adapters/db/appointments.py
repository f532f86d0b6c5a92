"""The calls back the centre owes: residents who agreed a time (an appointment on their
target, read batch by batch), and callers whose identity could not be confirmed who asked to be
called back on a number they gave (kept on their inbound call only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from dialer.adapters.db.engine import Connection
from dialer.adapters.db.models import Attempt, Batch, InboundCallRecord, Target, User

LIMIT = 200  # rows of each kind in the list: the console shows a working day's worth


@dataclass(frozen=True)
class TargetCallBack:
    at: datetime
    debt_type: str
    ref: str
    operator: str  # who agreed it ("" if their account is gone)


@dataclass(frozen=True)
class CallerCallBack:
    call_id: str
    at: datetime | None  # the time asked for (None: as soon as possible)
    called_at: datetime | None  # when they called
    number: str
    note: str
    operator: str


async def targets_due(conn: Connection, batch_id: int, since: datetime
                      ) -> list[TargetCallBack]:
    """One batch's targets whose next call is the time agreed with them, from ``since``."""
    query = (select(Attempt.appointment_at, Batch.debt_type, Target.ref, User.login)
             .join(Target, Target.id == Attempt.target_id)
             .join(Batch, Batch.id == Attempt.batch_id)
             .outerjoin(User, User.id == Attempt.operator_id)
             .where(Attempt.batch_id == batch_id, Attempt.result_code.is_not(None),
                    Attempt.appointment_at.is_not(None), Attempt.appointment_at >= since,
                    Target.next_due_at == Attempt.appointment_at, Target.done.is_(False))
             .order_by(Attempt.appointment_at).limit(LIMIT))
    return [TargetCallBack(at or since, debt_type, ref, login or "")
            for at, debt_type, ref, login in await conn.execute(query)]


async def callers_due(conn: Connection, since: datetime) -> list[CallerCallBack]:
    """Callers not identified who asked to be called back, who called or asked for a time
    from ``since`` on."""
    row = InboundCallRecord
    query = (select(row.id, row.callback_at, row.started_at, row.callback_number, row.note,
                    row.noted_by)
             .where(row.callback_number.is_not(None),
                    or_(row.callback_at >= since, row.started_at >= since))
             .order_by(row.callback_at, row.started_at).limit(LIMIT))
    return [CallerCallBack(call_id, at, called, number or "", note, by or "")
            for call_id, at, called, number, note, by in await conn.execute(query)]
