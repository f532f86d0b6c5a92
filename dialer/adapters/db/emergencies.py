"""The emergencies table: a call flagged as an emergency (the only reason a call may ever be
recorded, see recordings_policy). Read back by the board (board_figures) and the recordings
(recordings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.models import Emergency
from recordings_policy.emergency import EmergencyFlag


async def add(conn: AsyncConnection, flag: EmergencyFlag, flagged_by: str, at: datetime) -> None:
    """Store ``flag``, raised by ``flagged_by`` at ``at``, in ``conn``'s transaction."""
    await conn.execute(insert(Emergency).values(
        call_id=flag.call_id, flagged_by=flagged_by, at=at, reason=flag.reason,
        reason_text=flag.reason_text, consent=flag.consent))
