"""The append-only audit log: who did what to which object, never personal data in detail.

Every row is a link of a keyed hash chain::

    hash = hmac_sha256_hex(key, prev_hash + canonical(at, actor, action, object, detail))

where ``key`` is the access log's key, kept in a file outside the database (``audit_key``),
``prev_hash`` is the ``hash`` of the row before it in id order (64 zeros for the first row),
``canonical`` is the compact JSON array ``[at, actor, action, object, detail]`` encoded in UTF-8,
``at`` is the ISO 8601 form in UTC with microseconds (``2026-12-01T01:02:03.000004+00:00``) and
``detail`` is the stored JSON text exactly as it is. Changing, inserting or deleting a row in the
middle breaks the chain at that row or at the next one; ``verify`` says where. Without the key
nobody can recompute the chain to hide a change. What the chain alone cannot show — rows cut off
at the end, or a chain recomputed by someone who holds the key — an *anchor* shows: the head
(row id, hash, time, row count) written every day beside the city's daily reports and kept by the
city; ``check_anchor`` says whether the log still holds that row with that hash.

Logs written before the chain was keyed (plain SHA-256 links, revision 0004) are not accepted
as they are: ``verify`` names their first row as unkeyed, and the service refuses to add to them
(no key file while rows exist). ``dialer audit rekey`` (``audit_rekey``) re-chains such a log
under a new key, once, after checking it is an intact unkeyed chain; the product was not live
before the key, so no city anchor predates it.

Writers are serialised by the database itself, so the chain stays linear across coroutines and
processes: on PostgreSQL ``record`` takes ``LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE``,
on SQLite it takes the database's write lock with a statement that changes nothing, both before
reading the last hash and held until the caller's transaction ends. (An in-process lock held only
around ``record`` would not be enough, since the row becomes visible to others at commit, and it
would deadlock against a transaction that already holds the database lock.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import audit_key
from dialer.adapters.db.audit_key import AuditKeyError as AuditKeyError  # re-exported
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


@dataclass(frozen=True)
class Head:
    """The newest row of the chain and how many rows the log holds: what an anchor keeps."""

    id: int
    hash: str
    at: datetime
    rows: int


def canonical(at: datetime, actor: str, action: str, obj: str, detail: str) -> bytes:
    moment = at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps([moment, actor, action, obj, detail], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def chain_hash(key: bytes, prev_hash: str, at: datetime, actor: str, action: str, obj: str,
               detail: str) -> str:
    return hmac.new(key, prev_hash.encode("ascii") + canonical(at, actor, action, obj, detail),
                    hashlib.sha256).hexdigest()


def unkeyed_hash(prev_hash: str, at: datetime, actor: str, action: str, obj: str,
                 detail: str) -> str:
    """The link as it was made before the chain was keyed (plain SHA-256)."""
    return hashlib.sha256(prev_hash.encode("ascii")
                          + canonical(at, actor, action, obj, detail)).hexdigest()


async def record(conn: AsyncConnection, actor: str, action: str, obj: str,
                 **detail: object) -> None:
    """Append one row; ``AuditKeyError`` (nothing written) when the log's key cannot be had."""
    await lock_chain(conn)
    last = (await conn.execute(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))).scalar_one_or_none()
    key = audit_key.of(conn).for_writing(log_is_empty=last is None)
    prev_hash = last or GENESIS
    at = utcnow()
    body = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    await conn.execute(insert(AuditEntry).values(
        at=at, actor=actor, action=action, object=obj, detail=body, prev_hash=prev_hash,
        hash=chain_hash(key, prev_hash, at, actor, action, obj, body)))


async def lock_chain(conn: AsyncConnection) -> None:
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


async def require_key(conn: AsyncConnection) -> None:
    """``AuditKeyError`` unless rows can be added: the key file is there, or the log is empty
    (the key is then created with the first row)."""
    has_rows = (await conn.execute(select(AuditEntry.id).limit(1))).first() is not None
    if has_rows:
        audit_key.of(conn).existing()


async def head(conn: AsyncConnection) -> Head | None:
    """The chain's newest row and the number of rows (None for an empty log)."""
    last = (await conn.execute(select(AuditEntry.id, AuditEntry.hash, AuditEntry.at)
                               .order_by(AuditEntry.id.desc()).limit(1))).first()
    if last is None:
        return None
    count = (await conn.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    return Head(last.id, last.hash, last.at, count)


async def check_anchor(conn: AsyncConnection, anchor: Head) -> str:
    """What is wrong with the log against an anchor taken earlier ("" when it still fits): the
    anchored row must be there with the anchored hash and as many rows up to it."""
    found = (await conn.execute(select(AuditEntry.hash).where(
        AuditEntry.id == anchor.id))).scalar_one_or_none()
    if found is None:
        return (f"row {anchor.id} is gone: the log was cut back after the anchor was taken")
    if found != anchor.hash:
        return (f"row {anchor.id} has another hash than the anchor: the chain was recomputed "
                "after the anchor was taken")
    upto = (await conn.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.id <= anchor.id))).scalar_one()
    if upto != anchor.rows:
        return (f"{upto} rows up to row {anchor.id}, the anchor counted {anchor.rows}: "
                "rows were deleted or inserted before it")
    return ""


async def rows_in_order(conn: AsyncConnection) -> AsyncIterator[Row]:
    """Every row in id order, a page at a time."""
    after: int | None = None
    while True:
        query = select(*_COLUMNS).order_by(AuditEntry.id).limit(_PAGE)
        if after is not None:
            query = query.where(AuditEntry.id > after)
        page = [Row(*r) for r in await conn.execute(query)]
        if not page:
            return
        for row in page:
            yield row
        after = page[-1].id


async def verify(conn: AsyncConnection) -> VerifyResult:
    """Walk the whole chain in id order; stop at the first row that does not fit. A log with
    rows whose key cannot be had fails at its first row (nothing can be proven)."""
    checked = 0
    previous: Row | None = None
    key = b""
    async for row in rows_in_order(conn):
        if previous is None:
            try:
                key = audit_key.of(conn).existing()
            except AuditKeyError as exc:
                return VerifyResult(0, row.id, f"cannot be checked: {exc}")
        checked += 1
        reason = _problem(key, row, previous)
        if reason:
            return VerifyResult(checked, row.id, reason,
                                previous.id if previous else None,
                                previous.hash if previous else "")
        previous = row
    return VerifyResult(checked, None, "", previous.id if previous else None,
                        previous.hash if previous else "")


def _problem(key: bytes, row: Row, previous: Row | None) -> str:
    if not row.hash:
        return "no hash: the row was never chained"
    if previous is None:
        if row.prev_hash != GENESIS:
            return "prev_hash of the first row is not the genesis value: rows before it are gone"
    elif row.prev_hash != previous.hash:
        return (f"prev_hash does not match the hash of row {previous.id}: a row between them "
                f"was deleted or inserted, or row {previous.id} was rewritten")
    fields = (row.prev_hash, row.at, row.actor, row.action, row.obj, row.detail)
    if row.hash == chain_hash(key, *fields):
        return ""
    if row.hash == unkeyed_hash(*fields):
        return ("hash is the row's unkeyed SHA-256: written before the access log was keyed "
                "(`dialer audit rekey` re-chains such a log once) or recomputed by someone "
                "without the key")
    return ("hash does not match the row's content under the key: the row was altered, or "
            "the chain was recomputed with another key")
