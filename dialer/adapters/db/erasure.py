"""The database side of the erasure (§14(10)): what a scope holds, deleting it, and making the
deletion irrecoverable in the files of the database itself.

Deleting a batch cascades to its targets, numbers, debts, exclusions, calls and notes (see
``models``). Emergencies hang off a call id, not a target, so they are deleted here by the
batch's call ids (all of them for a full erasure, with the inbound call records: residents'
calls, and for a caller not identified the operator's note and the number to call back on).
An emergency whose call was recorded stays, without its free-text description: the recording's
row and its erasure record (the proof, for the city, that the recording was destroyed) refer to
it.

SQLite: ``secure_delete`` is on for every connection (``engine``), so freed cells and pages are
overwritten with zeros; ``VACUUM`` then rewrites the whole file without free pages, and
``wal_checkpoint(TRUNCATE)`` empties the write-ahead log (older page images would otherwise stay
in it). PostgreSQL: ``VACUUM FULL`` rewrites the affected tables into new files.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import (
    Attempt,
    Batch,
    CallNote,
    Debt,
    Emergency,
    Exclusion,
    InboundCallRecord,
    Recording,
    Target,
    TargetPhone,
)
from dialer.domain.erasure import BatchLine, DebtTypeCounts, Values

# Every table that holds (or held) residents' data; VACUUM FULL on PostgreSQL.
PERSONAL_TABLES = ("targets", "target_phones", "debts", "exclusions", "attempts", "call_notes",
                   "emergencies", "inbound_calls", "batches")


async def batches(conn: AsyncConnection, batch_ids: Sequence[int] | None) -> list[BatchLine]:
    """The batches of the scope (every batch when None), by id."""
    query = select(Batch.id, Batch.debt_type, Batch.month, Batch.sha256).order_by(Batch.id)
    if batch_ids is not None:
        query = query.where(Batch.id.in_(batch_ids))
    return [BatchLine(*row) for row in await conn.execute(query)]


async def counts(conn: AsyncConnection, batch_ids: Sequence[int]) -> list[DebtTypeCounts]:
    """What the batches hold, per debt type."""
    found: dict[str, DebtTypeCounts] = {}

    async def tally(name: str, query: Select[tuple[str, int]]) -> None:
        for debt_type, count in await conn.execute(query.group_by(Batch.debt_type)):
            row = found.setdefault(debt_type, DebtTypeCounts(debt_type))
            setattr(row, name, int(count))

    in_scope = Batch.id.in_(batch_ids)
    await tally("batches", select(Batch.debt_type, func.count(Batch.id)).where(in_scope))
    via_targets = select(Batch.debt_type, func.count()).join(Target, Target.batch_id == Batch.id)
    await tally("targets", via_targets.where(in_scope))
    for name, column in (("phones", TargetPhone.target_id), ("debts", Debt.target_id),
                         ("exclusions", Exclusion.target_id)):
        await tally(name, via_targets.join(column.table, column == Target.id).where(in_scope))
    await tally("calls", select(Batch.debt_type, func.count())
                .join(Attempt, Attempt.batch_id == Batch.id).where(in_scope))
    await tally("notes", select(Batch.debt_type, func.count())
                .join(CallNote, CallNote.batch_id == Batch.id).where(in_scope))
    return [found[k] for k in sorted(found)]


def _calls_of(batch_ids: Sequence[int]) -> Select[tuple[str]]:
    return select(Attempt.id).where(Attempt.batch_id.in_(batch_ids))


def _emergencies(batch_ids: Sequence[int], everything: bool) -> Select[tuple[str]]:
    query = select(Emergency.reason_text)
    return query if everything else query.where(Emergency.call_id.in_(_calls_of(batch_ids)))


async def values(conn: AsyncConnection, batch_ids: Sequence[int], everything: bool
                 ) -> tuple[Values, int]:
    """The personal values of the scope, for the scan after the erasure (memory only), without
    those the batches that stay also hold; and how many were left out for that reason."""
    erased = await _values(conn, batch_ids, everything)
    if everything:
        return erased, 0
    others = [i for i in (await conn.execute(select(Batch.id))).scalars() if i not in batch_ids]
    kept = await _values(conn, others, False)
    kept = Values(kept.names, kept.kana, kept.phones, kept.notes | set(
        (await conn.execute(select(Emergency.reason_text).where(
            Emergency.call_id.not_in(_calls_of(batch_ids))))).scalars()))
    searched = erased.minus(kept)
    return searched, len(erased) - len(searched)


async def _values(conn: AsyncConnection, batch_ids: Sequence[int], everything: bool) -> Values:
    names, kana = set(), set()
    for name, reading in await conn.execute(
            select(Target.name, Target.kana).where(Target.batch_id.in_(batch_ids))):
        names.add(name)
        if reading:
            kana.add(reading)
    phones = set((await conn.execute(select(TargetPhone.number).join(
        Target, TargetPhone.target_id == Target.id).where(Target.batch_id.in_(batch_ids))))
        .scalars())
    notes = set((await conn.execute(select(CallNote.note).where(
        CallNote.batch_id.in_(batch_ids)))).scalars())
    notes |= set((await conn.execute(_emergencies(batch_ids, everything))).scalars())
    if everything:  # callers not identified: kept on their inbound call only
        for note, number in await conn.execute(select(InboundCallRecord.note,
                                                      InboundCallRecord.callback_number)):
            notes.add(note)
            if number:
                phones.add(number)
    return Values(frozenset(names), frozenset(kana), frozenset(phones),
                  frozenset(n for n in notes if n))


async def call_ids(conn: AsyncConnection, batch_ids: Sequence[int], everything: bool
                   ) -> list[str]:
    """The calls of the scope (attempt ids = Asterisk channel ids; inbound Uniqueids too for
    a full erasure): what recordings are filed under."""
    found = set((await conn.execute(_calls_of(batch_ids))).scalars())
    if everything:
        found |= set((await conn.execute(select(InboundCallRecord.id))).scalars())
        found |= set((await conn.execute(select(Emergency.call_id))).scalars())
    return sorted(found)


async def delete_scope(conn: AsyncConnection, batch_ids: Sequence[int], everything: bool
                       ) -> dict[str, int]:
    """Delete the scope's rows (cascades do the rest); the rows deleted outside the batches."""
    in_scope = [] if everything else [Emergency.call_id.in_(_calls_of(batch_ids))]
    recorded = Emergency.id.in_(select(Recording.emergency_id))
    cleared = await conn.execute(update(Emergency).where(*in_scope, recorded)
                                 .values(reason_text=""))
    emergencies = await conn.execute(delete(Emergency).where(*in_scope, ~recorded))
    inbound = await conn.execute(delete(InboundCallRecord)) if everything else None
    await conn.execute(delete(Batch).where(Batch.id.in_(batch_ids)))
    other = {"emergencies": int(emergencies.rowcount or 0),
             "emergency_texts_cleared": int(cleared.rowcount or 0)}
    if inbound is not None:
        other["inbound_calls"] = int(inbound.rowcount or 0)
    return other


async def remaining(conn: AsyncConnection, batch_ids: Sequence[int]) -> int:
    """Rows of the scope still present (0 after a successful erasure)."""
    targets = await conn.scalar(select(func.count()).select_from(Target)
                                .where(Target.batch_id.in_(batch_ids)))
    rows = await conn.scalar(select(func.count()).select_from(Batch)
                             .where(Batch.id.in_(batch_ids)))
    return int(targets or 0) + int(rows or 0)


async def compact(database: Database) -> list[str]:
    """Make the deleted rows unrecoverable from the database's own files, then close the
    pool's connections (SQLite folds and removes its WAL); what was done."""
    done = await _compact(database.engine)
    await database.engine.dispose()  # the next use opens new connections
    return done


async def _compact(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if conn.dialect.name == "sqlite":
            return await _compact_sqlite(auto)
        if conn.dialect.name == "postgresql":
            for table in PERSONAL_TABLES:
                await auto.exec_driver_sql(f"VACUUM FULL {table}")
            return [f"PostgreSQL: VACUUM FULL of {', '.join(PERSONAL_TABLES)}"]
    return []


async def _compact_sqlite(conn: AsyncConnection) -> list[str]:
    done = []
    stats = (await conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'")).scalar_one()
    if stats:  # index samples (sqlite_stat4) could hold erased keys: recompute them
        await conn.exec_driver_sql("ANALYZE")
        done.append("ANALYZE (statistics recomputed without the erased rows)")
    await conn.exec_driver_sql("VACUUM")
    done.append("VACUUM (file rewritten, no free pages left)")
    busy, _log, _done = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    done.append("wal_checkpoint(TRUNCATE) (write-ahead log emptied)" if not busy else
                "wal_checkpoint(TRUNCATE) BUSY: another process holds the database open")
    return done
