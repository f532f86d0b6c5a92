"""Calling that reaches people, on the real sandbox: a resident whose landline is not answered
at midday is not rung again at 14:00 on the same line (what a fixed delay would do) but in the
evening window, on their mobile — where they answer and are put through to the operator."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from dialer.adapters.db.models import Attempt, Target
from dialer.app import Service
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from dialer.services.runtime.clock import Clock
from tests.asterisk.centre import running_centre
from tests.asterisk.kit import TOKYO

# residents' last digit: 2 never answers, 4 answers and talks (dialer/pbx/sipp/residents.xml)
ROWS = [["T010", "夕方　良子", "ユウガタ ヨシコ", "011-555-0012", "090-5555-0014", "R5", "第1期",
         "R5.4.30", "5000"]]
EVENING = datetime(2027, 1, 12, 16, 30, 5, tzinfo=TOKYO)


async def attempts(service: Service, batch: int) -> list[tuple[int, str | None]]:
    async with service.database.engine.connect() as conn:
        rows = await conn.execute(select(Attempt.phone_index, Attempt.result_code)
                                  .where(Attempt.batch_id == batch).order_by(Attempt.created_at))
        return [(i, code) for i, code in rows]


async def test_no_answer_at_midday_is_retried_in_the_evening_on_the_mobile(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    async with running_centre(sandbox_state, tmp_path, sipp.RESIDENTS, rows=ROWS) as centre:
        service, operator = centre.service, centre.operator
        assert service.settings.calling.policy == "reach"
        status, _ = await operator.post("/api/console/ready", {"seat": "seat01"})
        assert status == 200
        service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=5,
                                     month="2027-01"))
        for _ in range(300):  # the landline rings out (5 s) and gets its result
            if any(code for _i, code in await attempts(service, centre.batch)):
                break
            await asyncio.sleep(0.1)
        assert await attempts(service, centre.batch) == [(0, "S02")]  # the landline, midday
        async with service.database.engine.connect() as conn:
            due, index = (await conn.execute(select(Target.next_due_at, Target.phone_index)
                                             )).one()
        assert (due.astimezone(TOKYO), index) == (EVENING.replace(second=0), 1)

        clock = service.now
        assert isinstance(clock, Clock)
        clock.move_to(EVENING)  # (the console locks itself after hours idle: not watched)
        for _ in range(300):
            if await _answered_on(service, centre.batch, 1):
                break
            await asyncio.sleep(0.1)
        service.runner.close(centre.batch)
        assert await _answered_on(service, centre.batch, 1)  # the mobile answered
        assert [i for i, _code in await attempts(service, centre.batch)] == [0, 1]


async def _answered_on(service: Service, batch: int, index: int) -> bool:
    async with service.database.engine.connect() as conn:
        return bool((await conn.execute(select(Attempt.id).where(
            Attempt.batch_id == batch, Attempt.phone_index == index,
            Attempt.connected_at.is_not(None)))).first())
