"""Inbound calls in the database: written when a call ends, counted for boards and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import InboundCallRecord
from dialer.domain.inbound import InboundCall


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


async def record(database: Database, call: InboundCall) -> None:
    """The call as it went through the IVR (the operator's result, saved first or later, is
    kept either way)."""
    await _upsert(database, call.channel_id, {
        "started_at": _at(call.started), "gate_state": call.gate_state,
        "fallback": call.fallback, "message": call.message, "position": call.position,
        "wait_s": call.wait_s, "operator_seat": call.operator_seat,
        "ended_at": _at(call.ended_at), "end": str(call.end)})


async def set_result(database: Database, call_id: str, code: str) -> None:
    """The operator's result; the call's row may not be written yet (it is when the call's
    hangup has been followed), so this creates it if needed."""
    await _upsert(database, call_id, {"result_code": code})


@dataclass(frozen=True)
class Unidentified:
    """What the operator kept of a caller whose identity could not be confirmed."""

    note: str
    callback_number: str | None  # canonical; None: no call back asked for
    callback_at: datetime | None
    noted_by: str


async def set_result_in(conn: AsyncConnection, call_id: str, code: str,
                        unidentified: Unidentified | None = None) -> None:
    """``set_result`` in ``conn``'s transaction (the console writes it with the call's note):
    one upsert statement, so the transaction never has to recover from a duplicate."""
    values: dict[str, object] = {"result_code": code}
    if unidentified is not None:
        values |= {"note": unidentified.note, "callback_number": unidentified.callback_number,
                   "callback_at": unidentified.callback_at, "noted_by": unidentified.noted_by}
    dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert
    statement = dialect_insert(InboundCallRecord).values(id=call_id, end="", **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=[InboundCallRecord.id],
                                                       set_=values))


async def result_code(conn: AsyncConnection, call_id: str) -> str | None:
    """The inbound call's recorded result, read in ``conn`` (None: none yet, or no row)."""
    return await conn.scalar(select(InboundCallRecord.result_code)
                             .where(InboundCallRecord.id == call_id))


async def _upsert(database: Database, call_id: str, values: dict[str, object]) -> None:
    for _ in range(2):  # a concurrent first insert of the same call: update it instead
        try:
            async with database.engine.begin() as conn:
                changed = await conn.execute(update(InboundCallRecord).where(
                    InboundCallRecord.id == call_id).values(**values))
                if changed.rowcount == 0:
                    await conn.execute(insert(InboundCallRecord).values(
                        {"id": call_id, "end": "", **values}))
            return
        except IntegrityError:
            continue


async def counts_since(database: Database, since: datetime) -> dict[str, int]:
    """{end: count} of the calls that started since ``since`` (connected, abandoned, …)."""
    async with database.engine.connect() as conn:
        rows = await conn.execute(select(InboundCallRecord.end, func.count())
                                  .where(InboundCallRecord.started_at >= since)
                                  .group_by(InboundCallRecord.end))
        return {end: int(n) for end, n in rows}
