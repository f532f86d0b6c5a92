"""The recordings' rows (SQL only): one per emergency recording, with the flag it came from and,
once erased, the record of its erasure. The audio itself is never in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Emergency, Recording, RecordingErasure
from recordings_policy.lifecycle import State


@dataclass(frozen=True)
class RecordingRow:
    id: int
    file_id: str
    call_id: str
    state: State
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    stopped_by: str
    size: int
    key_id: str
    wrapped_key: str  # hex; "" when none (failed, erased, or sealed in the old format)
    failure: str
    reported_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    emergency_id: int
    flagged_at: datetime
    flagged_by: str
    reason: str
    reason_text: str
    consent: str
    erased_at: datetime | None = None
    erased_by: str = ""
    erasure_reason: str = ""
    erasure_reference: str = ""


_COLUMNS = (Recording.id, Recording.file_id, Recording.call_id, Recording.state,
            Recording.started_at, Recording.ended_at, Recording.duration_s, Recording.stopped_by,
            Recording.size, Recording.key_id, Recording.wrapped_key, Recording.failure,
            Recording.reported_at, Recording.acknowledged_by, Recording.acknowledged_at,
            Recording.emergency_id,
            Emergency.at, Emergency.flagged_by, Emergency.reason, Emergency.reason_text,
            Emergency.consent, RecordingErasure.at, RecordingErasure.erased_by,
            RecordingErasure.reason, RecordingErasure.reference)


def _select() -> Select[*tuple[Any, ...]]:
    return (select(*_COLUMNS)
            .join(Emergency, Emergency.id == Recording.emergency_id)
            .outerjoin(RecordingErasure, RecordingErasure.recording_id == Recording.id))


def _row(values: Any) -> RecordingRow:
    v = list(values)
    v[3] = State(v[3])
    v[-4:] = [v[-4], v[-3] or "", v[-2] or "", v[-1] or ""]
    return RecordingRow(*v)


async def _rows(conn: AsyncConnection, query: Select[*tuple[Any, ...]]) -> list[RecordingRow]:
    return [_row(r) for r in await conn.execute(query)]


async def latest_emergency(conn: AsyncConnection, call_id: str) -> int | None:
    """The newest emergency flag's id on ``call_id``."""
    return (await conn.execute(select(Emergency.id).where(Emergency.call_id == call_id)
                               .order_by(Emergency.id.desc()).limit(1))).scalar_one_or_none()


async def add(conn: AsyncConnection, emergency_id: int, call_id: str, file_id: str,
              at: datetime) -> int:
    result = await conn.execute(insert(Recording).values(
        emergency_id=emergency_id, call_id=call_id, file_id=file_id,
        state=State.RECORDING.value, started_at=at, stopped_by="", size=0, key_id="",
        wrapped_key="", failure=""))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def get(conn: AsyncConnection, recording_id: int) -> RecordingRow | None:
    found = await _rows(conn, _select().where(Recording.id == recording_id))
    return found[0] if found else None


async def of_call(conn: AsyncConnection, call_id: str) -> list[RecordingRow]:
    return await _rows(conn, _select().where(Recording.call_id == call_id)
                       .order_by(Recording.id))


async def listing(conn: AsyncConnection, limit: int = 500) -> list[RecordingRow]:
    """Newest first."""
    return await _rows(conn, _select().order_by(Recording.id.desc()).limit(limit))


async def in_state(conn: AsyncConnection, state: State) -> list[RecordingRow]:
    return await _rows(conn, _select().where(Recording.state == state.value)
                       .order_by(Recording.id))


async def unacknowledged(conn: AsyncConnection) -> list[RecordingRow]:
    """For the board: running recordings and reports not yet acknowledged (erased ones left
    out), oldest first."""
    return await _rows(conn, _select().where(
        Recording.acknowledged_at.is_(None),
        Recording.state != State.ERASED.value).order_by(Recording.id))


async def due(conn: AsyncConnection, cutoff: datetime) -> list[RecordingRow]:
    """Ended recordings (stored or failed) that ended at or before ``cutoff``."""
    return await _rows(conn, _select().where(
        Recording.state.in_((State.STORED.value, State.FAILED.value)),
        Recording.ended_at.is_not(None), Recording.ended_at <= cutoff).order_by(Recording.id))


async def set_state(conn: AsyncConnection, recording_id: int, state: State,
                    **values: Any) -> None:
    await conn.execute(update(Recording).where(Recording.id == recording_id)
                       .values(state=state.value, **values))


async def set_values(conn: AsyncConnection, recording_id: int, **values: Any) -> None:
    await conn.execute(update(Recording).where(Recording.id == recording_id).values(**values))


async def acknowledge(conn: AsyncConnection, recording_id: int, login: str,
                      at: datetime) -> bool:
    result = await conn.execute(update(Recording).where(
        Recording.id == recording_id, Recording.acknowledged_at.is_(None))
        .values(acknowledged_by=login, acknowledged_at=at))
    return bool(result.rowcount)


async def add_erasure(conn: AsyncConnection, recording_id: int, at: datetime, by: str,
                      reason: str, reference: str) -> None:
    await conn.execute(insert(RecordingErasure).values(
        recording_id=recording_id, at=at, erased_by=by, reason=reason, reference=reference))


async def drop_old_page_images(database: Database) -> bool:
    """After a recording's wrapped key was emptied: SQLite's ``secure_delete`` (on for every
    connection) has zeroed the old value in its page, and ``wal_checkpoint(TRUNCATE)`` now
    empties the write-ahead log, which would still hold older images of that page. False when
    another connection kept the log busy (the next checkpoint empties it). PostgreSQL: nothing
    here (its WAL is outside this service's reach; the erasure certificate says so)."""
    async with database.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            return True
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        busy, _log, _done = (await auto.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    return not busy
