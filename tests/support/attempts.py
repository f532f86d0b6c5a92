"""An attempt written as the campaign runner writes it, without claiming its target: for tests
and benchmarks that put calls in front of operators directly, the same resident again included
(a claim refuses a target that is done or already has a call open, as a dialer must)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Target
from dialer.domain.attempt import Phase
from dialer.domain.attempt_store import Candidate


async def placed(database: Database, attempt_id: str, candidate: Candidate,
                 operator_id: int | None, now: datetime) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(insert(Attempt).values(
            id=attempt_id, batch_id=candidate.batch_id, target_id=candidate.target_id,
            phone_index=candidate.phone_position, operator_id=operator_id,
            phase=Phase.PLANNED.value, created_at=now, instance="main"))
        await conn.execute(update(Target).where(Target.id == candidate.target_id).values(
            attempts=Target.attempts + 1, last_attempt_at=now))
