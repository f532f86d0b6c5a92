"""The append-only audit log: who did what to which object, never personal data in detail.

Every row is a link of a hash chain::

    hash = sha256_hex(prev_hash + canonical(at, actor, action, object, detail))

where ``prev_hash`` is the ``hash`` of the row before it in id order (64 zeros for the first
row), ``canonical`` is the compact JSON array ``[at, actor, action, object, detail]`` encoded in
UTF-8, ``at`` is the ISO 8601 form in UTC with microseconds (``2026-12-01T01:02:03.000004+00:00``)
and ``detail`` is the stored JSON text exactly as it is. Changing, inserting or deleting a row
in the middle breaks the chain at that row or at the next one; ``verify`` says where. Deleting
rows at the end cannot be seen from the chain alone: compare the head hash with one noted
earlier (``dialer audit verify`` prints it).

Writers are serialised by the database itself, so the chain stays linear across coroutines and
processes: on PostgreSQL ``record`` takes ``LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE``,
on SQLite it takes the database's write lock with a statement that changes nothing, both before
reading the last hash and held until the caller's transaction ends. (An in-process lock held only
around ``record`` would not be enough, since the row becomes visible to others at commit, and it
would deadlock against a transaction that already holds the database lock.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import AuditEntry, utcnow

GENESIS = "0" * 64
_PAGE = 1000


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    obj: str
    detail: dict[str, object]


@dataclass(frozen=True)
class Row:
    """One stored row, as hashed: ``detail`` is the stored JSON text."""

    id: int
    at: datetime
    actor: str
    action: str
    obj: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    last_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def canonical(at: datetime, actor: str, action: str, obj: str, detail: str) -> bytes:
    moment = at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps([moment, actor, action, obj, detail], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def chain_hash(prev_hash: str, at: datetime, actor: str, action: str, obj: str,
               detail: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii")
                          + canonical(at, actor, action, obj, detail)).hexdigest()


async def record(conn: AsyncConnection, actor: str, action: str, obj: str,
                 **detail: object) -> None:
    await _lock_chain(conn)
    last = (await conn.execute(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))).scalar_one_or_none()
    prev_hash = last or GENESIS
    at = utcnow()
    body = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    await conn.execute(insert(AuditEntry).values(
        at=at, actor=actor, action=action, object=obj, detail=body, prev_hash=prev_hash,
        hash=chain_hash(prev_hash, at, actor, action, obj, body)))


async def _lock_chain(conn: AsyncConnection) -> None:
    """Hold the audit log's write lock until the transaction ends (see the module docstring)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        await conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
    elif dialect == "sqlite":
        # matches no row, so the append-only trigger never fires; it only takes the write lock
        await conn.execute(text("UPDATE audit_log SET id = id WHERE 1 = 0"))


async def entries(conn: AsyncConnection, limit: int = 100) -> list[Entry]:
    result = await conn.execute(
        select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.object,
               AuditEntry.detail).order_by(AuditEntry.id.desc()).limit(limit))
    return [Entry(at, actor, action, obj, json.loads(detail))
            for at, actor, action, obj, detail in result]


_COLUMNS = (AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
            AuditEntry.object, AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.hash)


async def recent(conn: AsyncConnection, limit: int = 20) -> list[Row]:
    """The ``limit`` newest rows, newest first."""
    result = await conn.execute(select(*_COLUMNS).order_by(AuditEntry.id.desc()).limit(limit))
    return [Row(*r) for r in result]


async def export(conn: AsyncConnection, start: datetime, end: datetime) -> list[Row]:
    """The rows with ``start <= at < end`` (aware datetimes), in chain order."""
    result = await conn.execute(select(*_COLUMNS).where(
        AuditEntry.at >= start, AuditEntry.at < end).order_by(AuditEntry.id))
    return [Row(*r) for r in result]


async def verify(conn: AsyncConnection) -> VerifyResult:
    """Walk the whole chain in id order; stop at the first row that does not fit."""
    checked = 0
    previous: Row | None = None
    while True:
        query = select(*_COLUMNS).order_by(AuditEntry.id).limit(_PAGE)
        if previous is not None:
            query = query.where(AuditEntry.id > previous.id)
        page = [Row(*r) for r in await conn.execute(query)]
        if not page:
            break
        for row in page:
            checked += 1
            reason = _problem(row, previous)
            if reason:
                return VerifyResult(checked, row.id, reason,
                                    previous.id if previous else None,
                                    previous.hash if previous else "")
            previous = row
    return VerifyResult(checked, None, "", previous.id if previous else None,
                        previous.hash if previous else "")


def _problem(row: Row, previous: Row | None) -> str:
    if not row.hash:
        return "no hash: the row was never chained"
    if previous is None:
        if row.prev_hash != GENESIS:
            return "prev_hash of the first row is not the genesis value: rows before it are gone"
    elif row.prev_hash != previous.hash:
        return (f"prev_hash does not match the hash of row {previous.id}: a row between them "
                f"was deleted or inserted, or row {previous.id} was rewritten")
    if row.hash != chain_hash(row.prev_hash, row.at, row.actor, row.action, row.obj,
                              row.detail):
        return "hash does not match the row's content: the row was altered"
    return ""
