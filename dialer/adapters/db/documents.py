"""Talk-script and Q&A versions (``documents``, ``qa_entries``); the rules are in
``dialer.domain.documents``, the checks and the audit log in
``dialer.services.governance.documents``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Document, utcnow
from dialer.adapters.db.models import QaEntry as QaRow
from dialer.domain import documents as rules
from dialer.domain.documents import DocumentVersion, QaEntry

_COLUMNS = (Document.id, Document.kind, Document.scope, Document.version, Document.title,
            Document.body, Document.created_by, Document.created_at, Document.approved_by,
            Document.approved_at, Document.approval_ref, Document.recorded_by)


async def add_version(conn: AsyncConnection, kind: str, scope: str, title: str, body: str,
                      qa_entries: Sequence[QaEntry], created_by: str,
                      at: datetime | None = None) -> DocumentVersion:
    """A new draft: the next version number of ``kind`` for ``scope``, its entries in order."""
    highest = await conn.scalar(select(func.max(Document.version)).where(
        Document.kind == kind, Document.scope == scope))
    version = int(highest or 0) + 1
    created_at = at or utcnow()
    result = await conn.execute(insert(Document).values(
        kind=kind, scope=scope, version=version, title=title, body=body,
        created_by=created_by, created_at=created_at).returning(Document.id))
    document_id = int(result.scalar_one())
    if qa_entries:
        await conn.execute(insert(QaRow), [
            {"document_id": document_id, "position": n, "question": e.question,
             "answer": e.answer} for n, e in enumerate(qa_entries, start=1)])
    return DocumentVersion(document_id, kind, scope, version, title, body, created_by,
                           created_at, entries=tuple(qa_entries))


async def approve(conn: AsyncConnection, document_id: int, approver: str, at: datetime,
                  ref: str, recorded_by: str) -> bool:
    """Record the city's approval of a draft; False when there is no such draft."""
    result = await conn.execute(update(Document).where(
        Document.id == document_id, Document.approved_at.is_(None)).values(
        approved_by=approver, approved_at=at, approval_ref=ref, recorded_by=recorded_by))
    return bool(result.rowcount == 1)


async def list_versions(conn: AsyncConnection, kind: str | None = None,
                        scope: str | None = None) -> list[DocumentVersion]:
    """Every version (without its Q&A entries), by kind, scope and version."""
    query = select(*_COLUMNS).order_by(Document.kind, Document.scope, Document.version)
    if kind is not None:
        query = query.where(Document.kind == kind)
    if scope is not None:
        query = query.where(Document.scope == scope)
    return [_version(row) for row in await conn.execute(query)]


async def get(conn: AsyncConnection, document_id: int) -> DocumentVersion | None:
    """One version with its Q&A entries."""
    row = (await conn.execute(select(*_COLUMNS).where(Document.id == document_id))).first()
    if row is None:
        return None
    return _version(row, await _entries(conn, document_id))


async def approved_for(conn: AsyncConnection, kind: str,
                       debt_type: str) -> DocumentVersion | None:
    """What an operator on ``debt_type`` sees (``rules.visible``), with its entries."""
    query = select(*_COLUMNS).where(
        Document.kind == kind, Document.scope.in_((debt_type, rules.ALL)),
        Document.approved_at.is_not(None))
    chosen = rules.visible([_version(r) for r in await conn.execute(query)], kind, debt_type)
    if chosen is None:
        return None
    return replace(chosen, entries=await _entries(conn, chosen.id))


async def _entries(conn: AsyncConnection, document_id: int) -> tuple[QaEntry, ...]:
    result = await conn.execute(select(QaRow.question, QaRow.answer).where(
        QaRow.document_id == document_id).order_by(QaRow.position, QaRow.id))
    return tuple(QaEntry(question, answer) for question, answer in result)


def _version(row: Any, entries: tuple[QaEntry, ...] = ()) -> DocumentVersion:
    v = row._mapping
    return DocumentVersion(
        id=v["id"], kind=v["kind"], scope=v["scope"], version=v["version"], title=v["title"],
        body=v["body"], created_by=v["created_by"], created_at=v["created_at"],
        approved_by=v["approved_by"], approved_at=v["approved_at"],
        approval_ref=v["approval_ref"], recorded_by=v["recorded_by"], entries=entries)
