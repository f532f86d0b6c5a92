"""The city's approvals a campaign needs (SPEC §10, §11(2)): an approved talk script, Q&A set
and 業務マニュアル for a debt type, written straight into the database for a test's fixture."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from dialer.adapters.db import documents as repo
from dialer.adapters.db.engine import Database
from dialer.domain.documents import KINDS, QA, QaEntry

APPROVER, REF = "札幌市 (テスト)", "TEST-1"


async def approve_documents(database: Database, debt_type: str = "hoikuryo",
                            kinds: Iterable[str] = KINDS) -> None:
    """One approved version of each of ``kinds`` for ``debt_type`` (``*`` for every one)."""
    now = datetime.now(UTC)
    async with database.transaction() as conn:
        for kind in kinds:
            entries = (QaEntry("質問", "回答"),) if kind == QA else ()
            body = "" if kind == QA else f"{kind} の本文\n"
            added = await repo.add_version(conn, kind, debt_type, f"{kind} ({debt_type})", body,
                                           entries, "test", at=now)
            await repo.approve(conn, added.id, APPROVER, now, REF, "test")
