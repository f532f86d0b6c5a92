"""The demo's talk script, Q&A set and 業務マニュアル (documents.toml beside this module), filled
in for the demo centre and approved as by the city, so the console shows them from the first
call (and the demo's campaign may open: it needs all three approved)."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from dialer.adapters.db import documents as repo
from dialer.adapters.db.engine import Database
from dialer.domain import documents as rules
from dialer.domain import phone
from dialer.domain.debt_types import DebtType
from dialer.domain.documents import DocumentVersion, QaEntry
from dialer.services.governance import documents

DEMO_ACTOR = "demo"
DEMO_APPROVER = "札幌市 (デモ)"
DEMO_REF = "DEMO-1"
DEMO_CENTRE = "札幌市電話納付案内センター"
DEMO_NUMBER = "0112110000"


async def seed_demo_documents(database: Database, debt_type: DebtType,
                              centre_name: str = DEMO_CENTRE,
                              dedicated_number: str = DEMO_NUMBER) -> list[DocumentVersion]:
    """The demo's talk script, Q&A set and manual for ``debt_type``, approved as by "札幌市 (デモ)"
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
        rules.MANUAL: (fill(demo.manual_title), fill(demo.manual_body) + "\n", ()),
    }
    added = []
    now = datetime.now(UTC)
    async with database.transaction() as conn:
        for kind, (title, body, entries) in sources.items():
            existing = [d for d in await repo.list_versions(conn, kind)
                        if d.scope in (debt_type.code, rules.ALL)]
            if existing:
                continue
            draft = await repo.add_version(conn, kind, debt_type.code, title, body, entries,
                                           DEMO_ACTOR, at=now)
            await documents.record_added(conn, DEMO_ACTOR, draft)
            approved = rules.approve(draft, DEMO_APPROVER, now, DEMO_REF, DEMO_ACTOR, now)
            await repo.approve(conn, draft.id, DEMO_APPROVER, now, DEMO_REF, DEMO_ACTOR)
            await documents.record_approved(conn, DEMO_ACTOR, approved)
            added.append(approved)
    return added


@dataclass(frozen=True)
class _DemoTexts:
    script_title: str
    script_body: str
    account_transfer: str
    qa_title: str
    qa_entries: tuple[tuple[str, str], ...]
    manual_title: str
    manual_body: str


def _demo_texts() -> _DemoTexts:
    source = resources.files("dialer.demo") / "documents.toml"
    loaded = tomllib.loads(source.read_text(encoding="utf-8"))
    script, qa, manual = loaded["script"], loaded["qa"], loaded["manual"]
    return _DemoTexts(str(script["title"]), str(script["body"]),
                      str(script["account_transfer"]), str(qa["title"]),
                      tuple((str(e["question"]), str(e["answer"])) for e in qa["entries"]),
                      str(manual["title"]), str(manual["body"]))
