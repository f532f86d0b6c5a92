"""Talk scripts, Q&A sets and the 業務マニュアル (SPEC §10): versions a manager adds, the city's
approval a manager records, what operators see (the newest approved version, never a draft),
and whether a debt type has all three approved (a campaign opens only then).

Every manager action is checked against the acting account (``accounts.require``) and written
to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from dialer.adapters.db import audit
from dialer.adapters.db import documents as repo
from dialer.adapters.db.engine import Conflict, Connection, Database
from dialer.domain import debt_types
from dialer.domain import documents as rules
from dialer.domain.debt_types import DebtType
from dialer.domain.documents import DocumentError, DocumentVersion, QaEntry
from dialer.services.governance import accounts

log = logging.getLogger(__name__)

_SCOPE_ALIASES = ("*", "all", "全て", "すべて", "共通")


class NoSuchDocument(DocumentError):
    pass


def resolve_scope(given: str, known: tuple[DebtType, ...]) -> str:
    """``*`` (every debt type; also ``all``, ``共通``) or a known debt type's code (the code or
    the Japanese name given); ``UnknownDebtType`` otherwise."""
    if given.strip() in _SCOPE_ALIASES:
        return rules.ALL
    return debt_types.resolve(given, known).code


async def add_version(database: Database, known: tuple[DebtType, ...], kind: str, scope: str,
                      title: str, body: str, entries: Sequence[QaEntry],
                      actor: str) -> DocumentVersion:
    """A new draft version (manager only): the next version number of ``kind`` for ``scope``."""
    title = rules.check_new(kind, title, body, entries)
    scope = resolve_scope(scope, known)
    try:
        async with database.transaction() as conn:
            await accounts.require(conn, actor)
            added = await repo.add_version(conn, kind, scope, title, body, entries, actor)
            await record_added(conn, actor, added)
    except Conflict:  # the same version number taken at the same moment
        raise DocumentError(f"another {kind} version for {scope} was just added; try again") \
            from None
    log.info("%s %s v%d added as a draft by %s", kind, scope, added.version, actor)
    return added


async def add_from_source(database: Database, known: tuple[DebtType, ...], kind: str,
                          scope: str, title: str, data: bytes, actor: str) -> DocumentVersion:
    """``add_version`` from a source file's bytes: a UTF-8 script text, or the Q&A CSV
    (columns 質問, 回答; UTF-8 with or without BOM, or CP932)."""
    body, entries = rules.read_source(kind, data)
    return await add_version(database, known, kind, scope, title, body, entries, actor)


async def approve(database: Database, document_id: int, approver: str, at: datetime | None,
                  ref: str, actor: str, now: datetime | None = None) -> DocumentVersion:
    """Record the city's approval of a draft (manager only): who at the city, when (default:
    now), the city's reference. ``ApprovalRefused`` for a version approved already, a missing
    approver or reference, a time in the future, or a draft older than an approved version."""
    now = now or datetime.now(UTC)
    at = at or now
    async with database.transaction() as conn:
        user = await accounts.require(conn, actor)
        document = await repo.get(conn, document_id)
        if document is None:
            raise NoSuchDocument(f"no document {document_id}")
        siblings = await repo.list_versions(conn, document.kind, document.scope)
        approved = rules.approve(document, approver, at, ref, user.login, now, siblings)
        if not await repo.approve(conn, document_id, approved.approved_by or "", at,
                                  approved.approval_ref or "", user.login):
            raise rules.ApprovalRefused(f"document {document_id} was approved already")
        await record_approved(conn, user.login, approved)
    log.info("%s %s v%d: the city's approval recorded by %s", approved.kind, approved.scope,
             approved.version, actor)
    return approved


async def list_versions(database: Database, kind: str | None = None,
                        scope: str | None = None) -> list[DocumentVersion]:
    """Every version (drafts included, without Q&A entries), by kind, scope and version."""
    if kind is not None:
        rules.check_kind(kind)
    async with database.connect() as conn:
        return await repo.list_versions(conn, kind, scope)


async def get(database: Database, document_id: int) -> DocumentVersion:
    """One version with its Q&A entries (drafts included: for managers)."""
    async with database.connect() as conn:
        found = await repo.get(conn, document_id)
    if found is None:
        raise NoSuchDocument(f"no document {document_id}")
    return found


async def for_operator(database: Database, kind: str, debt_type: str) -> DocumentVersion | None:
    """What an operator on ``debt_type`` sees: the newest approved version of its own series,
    else of the ``*`` series; None when nothing is approved. Never a draft."""
    rules.check_kind(kind)
    async with database.connect() as conn:
        return await repo.approved_for(conn, kind, debt_type)


async def read_manual(database: Database, debt_type: str, actor: str
                      ) -> DocumentVersion | None:
    """The approved 業務マニュアル an operator on ``debt_type`` reads (None when none is), the
    reading written to the access log (``document.read``)."""
    manual = await for_operator(database, rules.MANUAL, debt_type)
    async with database.transaction() as conn:
        await audit.record(conn, actor, "document.read",
                           f"document:{manual.id}" if manual else f"manual:{debt_type}",
                           kind=rules.MANUAL, debt_type=debt_type,
                           version=manual.version if manual else None)
    return manual


async def approval_refusal(conn: Connection, debt_type: str) -> str:
    """Why a campaign for ``debt_type`` may not open for want of approved documents, naming
    the kinds missing ("" when the script, the Q&A set and the manual are all approved)."""
    missing = rules.missing_for(await repo.list_versions(conn), debt_type)
    return rules.missing_refusal(missing, debt_type)


async def search_qa(database: Database, debt_type: str, query: str) -> list[QaEntry]:
    """The approved Q&A entries an operator on ``debt_type`` sees that match ``query``."""
    document = await for_operator(database, rules.QA, debt_type)
    return rules.search(document.entries, query) if document else []


async def record_added(conn: Connection, actor: str, document: DocumentVersion) -> None:
    """The access-log line of a version added (in ``conn``'s transaction)."""
    await audit.record(conn, actor, "document.add", f"document:{document.id}",
                       kind=document.kind, scope=document.scope, version=document.version,
                       title=document.title, entries=len(document.entries))


async def record_approved(conn: Connection, actor: str, document: DocumentVersion) -> None:
    """The access-log line of the city's approval recorded (in ``conn``'s transaction)."""
    await audit.record(conn, actor, "document.approve", f"document:{document.id}",
                       kind=document.kind, scope=document.scope, version=document.version,
                       approver=document.approved_by, approved_at=document.approved_at,
                       ref=document.approval_ref)
