"""A seat phone that ends its session by itself, on the real service and sandbox: hung up on
the phone during a talk, the resident's side ends at once, the operator is in wrap-up for that
call with a notice, the result saves, and they are offline afterwards (no phone to be ready)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.adapters.db.models import Attempt
from dialer.domain.attempt import Phase
from dialer.pbx import sipp
from dialer.services.calls.runner import Campaign
from dialer.services.console.sessions import HUNG_UP_IN_CALL
from tests.asterisk.centre import Centre
from tests.asterisk.kit import until
from tests.support.console_client import record_shown

HANGUP_MS = 7000  # after going ready: the resident (…5, talks 20 s) is on the line by then


@pytest.fixture
def centre_phones(tmp_path: Path) -> list[str]:
    return sipp.seat_hanging_up(tmp_path, HANGUP_MS)


async def test_a_phone_hung_up_mid_call_leaves_the_call_in_wrap_up_and_its_result_saves(
        centre_phones: list[str], centre: Centre) -> None:
    operator, service = centre.operator, centre.service
    status, state = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200 and state["state"] == "ready"
    service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
    frame = await operator.frame(record_shown, timeout_s=30)
    assert frame["state"] == "on_call"
    service.runner.close(centre.batch)
    call_id = frame["call"]["id"]

    wrap = await operator.frame(lambda f: f["state"] == "wrap_up", timeout_s=HANGUP_MS / 1000 + 5,
                                after=operator.matched)
    hung_up_at = time.monotonic()
    assert wrap["result_pending"] is True and wrap["notice"] == HUNG_UP_IN_CALL
    assert wrap["call"]["id"] == call_id  # the screen keeps the call and its record
    # the resident's side ends with the phone's (seconds, not the resident's 20 s)
    assert await until(lambda: call_id not in service.runner.in_flight, 3)
    assert time.monotonic() - hung_up_at < 3

    status, answer = await operator.post("/api/console/leave")
    assert status == 409 and "result" in answer["error"]
    status, state = await operator.post("/api/console/result", {
        "code": "101", "note": "電話機で終話", "account_transfer": "recommended"})
    assert status == 200, state
    assert state["state"] == "offline" and state["call"] is None
    async with service.database.engine.connect() as conn:
        attempt = (await conn.execute(select(Attempt.result_code, Attempt.phase)
                                      .where(Attempt.id == call_id))).one()
    assert tuple(attempt) == ("101", Phase.WRAP_UP.value)
    assert service.pool.ready() == []
