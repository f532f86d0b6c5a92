"""The account review for the minimal-accounts rule (§9(4)): ``dialer accounts review``.

The rules are in ``dialer.domain.account_review``; reading the list is itself in the access
log (it shows who has access to what).
"""

from __future__ import annotations

from datetime import datetime

from dialer.adapters.db import account_facts, audit
from dialer.adapters.db.engine import Database
from dialer.domain import account_review
from dialer.domain.account_review import Finding, Summary


async def review(database: Database, now: datetime, actor: str,
                 idle_days: int = account_review.IDLE_DAYS,
                 grace_days: int = account_review.GRACE_DAYS) -> tuple[list[Finding], Summary]:
    async with database.transaction() as conn:
        facts = await account_facts.all_accounts(conn)
        findings = account_review.review(facts, now, idle_days, grace_days)
        summary = account_review.summarize(findings)
        await audit.record(conn, actor, "accounts.review", "users", idle_days=idle_days,
                           accounts=len(findings), unused=summary.unused)
    return findings, summary
