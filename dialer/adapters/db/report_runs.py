"""Whether a day's daily reports were put in the outbox: the access log's ``report.generate``
row on ``report:daily`` for that day, written in the transaction that swaps the files in."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import AuditEntry

RECENT = 100  # daily generations looked at, newest first (a day's are among the last few)


async def daily_generated(conn: AsyncConnection, day: date) -> bool:
    """Whether the daily reports of ``day`` were generated (among the newest ``RECENT``
    daily generations)."""
    details = await conn.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == "report.generate", AuditEntry.object == "report:daily")
        .order_by(AuditEntry.id.desc()).limit(RECENT))
    return any(_subject(detail) == day.isoformat() for detail in details)


def _subject(detail: str) -> object:
    try:
        found = json.loads(detail)
    except ValueError:
        return None
    return found.get("subject") if isinstance(found, dict) else None
