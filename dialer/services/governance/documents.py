"""Talk scripts and Q&A sets (SPEC §10): versions a manager adds, the city's approval a
manager records, and what operators see (the newest approved version, never a draft).

Every manager action is checked against the acting account (``accounts.require``) and written
to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db import audit
from dialer.adapters.db import documents as repo
from dialer.adapters.db.engine import Database
from dialer.domain import debt_types, phone
from dialer.domain import documents as rules
from dialer.domain.debt_types import DebtType
from dialer.domain.documents import DocumentError, DocumentVersion, QaEntry
from dialer.services.governance import accounts

log = logging.getLogger(__name__)

DEMO_ACTOR = "demo"
DEMO_APPROVER = "札幌市 (デモ)"
DEMO_REF = "DEMO-1"
DEMO_CENTRE = "札幌市電話納付案内センター"
DEMO_NUMBER = "0112110000"
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
        async with database.engine.begin() as conn:
            await accounts.require(conn, actor)
            added = await repo.add_version(conn, kind, scope, title, body, entries, actor)
            await _audit_add(conn, actor, added)
    except IntegrityError:  # the same version number taken at the same moment
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
    async with database.engine.begin() as conn:
        user = await accounts.require(conn, actor)
        document = await repo.get(conn, document_id)
        if document is None:
            raise NoSuchDocument(f"no document {document_id}")
        siblings = await repo.list_versions(conn, document.kind, document.scope)
        approved = rules.approve(document, approver, at, ref, user.login, now, siblings)
        if not await repo.approve(conn, document_id, approved.approved_by or "", at,
                                  approved.approval_ref or "", user.login):
            raise rules.ApprovalRefused(f"document {document_id} was approved already")
        await _audit_approve(conn, user.login, approved)
    log.info("%s %s v%d: the city's approval recorded by %s", approved.kind, approved.scope,
             approved.version, actor)
    return approved


async def list_versions(database: Database, kind: str | None = None,
                        scope: str | None = None) -> list[DocumentVersion]:
    """Every version (drafts included, without Q&A entries), by kind, scope and version."""
    if kind is not None:
        rules.check_kind(kind)
    async with database.engine.connect() as conn:
        return await repo.list_versions(conn, kind, scope)


async def get(database: Database, document_id: int) -> DocumentVersion:
    """One version with its Q&A entries (drafts included: for managers)."""
    async with database.engine.connect() as conn:
        found = await repo.get(conn, document_id)
    if found is None:
        raise NoSuchDocument(f"no document {document_id}")
    return found


async def for_operator(database: Database, kind: str, debt_type: str) -> DocumentVersion | None:
    """What an operator on ``debt_type`` sees: the newest approved version of its own series,
    else of the ``*`` series; None when nothing is approved. Never a draft."""
    rules.check_kind(kind)
    async with database.engine.connect() as conn:
        return await repo.approved_for(conn, kind, debt_type)


async def search_qa(database: Database, debt_type: str, query: str) -> list[QaEntry]:
    """The approved Q&A entries an operator on ``debt_type`` sees that match ``query``."""
    document = await for_operator(database, rules.QA, debt_type)
    return rules.search(document.entries, query) if document else []


async def seed_demo_documents(database: Database, debt_type: DebtType,
                              centre_name: str = DEMO_CENTRE,
                              dedicated_number: str = DEMO_NUMBER) -> list[DocumentVersion]:
    """The demo's talk script and Q&A set for ``debt_type``, approved as by "札幌市 (デモ)"
    (ref DEMO-1); a kind is skipped when any version of it exists for that debt type or for
    all. The versions added."""
    demo = _demo_texts()
    values = {"centre": centre_name, "number": phone.display(dedicated_number),
              "debt_name": debt_type.name, "account_transfer": "", "closing_number": "5"}
    if debt_type.account_transfer:
        values |= {"account_transfer": "\n" + demo.account_transfer, "closing_number": "6"}

    def fill(text: str) -> str:
        once = string.Template(text).safe_substitute(values)  # the inserted section has some too
        return string.Template(once).safe_substitute(values).strip()

    sources = {
        rules.SCRIPT: (fill(demo.script_title), fill(demo.script_body) + "\n", ()),
        rules.QA: (fill(demo.qa_title), "", tuple(
            QaEntry(fill(q), fill(a)) for q, a in demo.qa_entries)),
    }
    added = []
    now = datetime.now(UTC)
    async with database.engine.begin() as conn:
        for kind, (title, body, entries) in sources.items():
            existing = [d for d in await repo.list_versions(conn, kind)
                        if d.scope in (debt_type.code, rules.ALL)]
            if existing:
                continue
            draft = await repo.add_version(conn, kind, debt_type.code, title, body, entries,
                                           DEMO_ACTOR, at=now)
            await _audit_add(conn, DEMO_ACTOR, draft)
            approved = rules.approve(draft, DEMO_APPROVER, now, DEMO_REF, DEMO_ACTOR, now)
            await repo.approve(conn, draft.id, DEMO_APPROVER, now, DEMO_REF, DEMO_ACTOR)
            await _audit_approve(conn, DEMO_ACTOR, approved)
            added.append(approved)
    return added


@dataclass(frozen=True)
class _DemoTexts:
    script_title: str
    script_body: str
    account_transfer: str
    qa_title: str
    qa_entries: tuple[tuple[str, str], ...]


def _demo_texts() -> _DemoTexts:
    source = resources.files("dialer.demo") / "documents.toml"
    loaded = tomllib.loads(source.read_text(encoding="utf-8"))
    script, qa = loaded["script"], loaded["qa"]
    return _DemoTexts(str(script["title"]), str(script["body"]),
                      str(script["account_transfer"]), str(qa["title"]),
                      tuple((str(e["question"]), str(e["answer"])) for e in qa["entries"]))


async def _audit_add(conn: AsyncConnection, actor: str, document: DocumentVersion) -> None:
    await audit.record(conn, actor, "document.add", f"document:{document.id}",
                       kind=document.kind, scope=document.scope, version=document.version,
                       title=document.title, entries=len(document.entries))


async def _audit_approve(conn: AsyncConnection, actor: str, document: DocumentVersion) -> None:
    await audit.record(conn, actor, "document.approve", f"document:{document.id}",
                       kind=document.kind, scope=document.scope, version=document.version,
                       approver=document.approved_by, approved_at=document.approved_at,
                       ref=document.approval_ref)
