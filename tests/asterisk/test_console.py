"""The operator console on the real service and sandbox: a resident answers an outbound call
and the operator's console shows that resident's record over the websocket; a resident calling
back is identified (本人確認) before the record opens; results land in the database and every
record view is in the access log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from dialer.adapters.db import audit
from dialer.adapters.db.models import Attempt, CallNote, Emergency, InboundCallRecord
from dialer.domain import phone
from dialer.domain.attempt import Phase
from dialer.pbx import sipp
from dialer.services.calls.runner import Campaign
from tests.asterisk.centre import AT, CALLER, Centre
from tests.asterisk.kit import until
from tests.support.console_client import record_shown


async def test_an_answered_call_pops_the_residents_record_and_the_result_is_saved(
        centre: Centre) -> None:
    operator, service = centre.operator, centre.service
    status, state = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200 and state["state"] == "ready"
    service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
    frame = await operator.frame(record_shown, timeout_s=30)
    record = frame["call"]["record"]
    assert frame["state"] == "on_call" and frame["call"]["kind"] == "outbound"
    assert record["name"] == "電話　花子" and record["ref"] == "T001"
    assert record["total"] == 12345 and record["transfer_designated"] is True
    assert record["phones"] == [phone.mask(phone.normalize("011-555-0005"))]  # never whole
    service.runner.close(centre.batch)  # no second call while we save this one

    status, answer = await operator.post("/api/console/emergency", {
        "reason": "other", "consent": "granted"})
    assert status == 400 and "describe" in answer["error"]
    status, _ = await operator.post("/api/console/emergency", {
        "reason": "threat", "consent": "not_asked", "text": "危害を加えると発言"})
    assert status == 200

    status, answer = await operator.post("/api/console/result", {"code": "101"})
    assert status == 400 and "account transfer" in answer["error"]  # the prompt must be answered
    status, state = await operator.post("/api/console/result", {
        "code": "101", "note": "来週納付", "account_transfer": "recommended"})
    assert status == 200, state
    assert state["state"] == "ready" and state["call"] is None
    async with service.database.engine.connect() as conn:
        attempt = (await conn.execute(select(Attempt.result_code, Attempt.phase)
                                      .where(Attempt.id == frame["call"]["id"]))).one()
        note = (await conn.execute(select(CallNote.note, CallNote.account_transfer))).one()
        flagged = (await conn.execute(select(Emergency.call_id, Emergency.reason,
                                             Emergency.flagged_by))).one()
        actions = [(e.action, e.obj) for e in await audit.entries(conn)]
        chain = await audit.verify(conn)
    assert tuple(attempt) == ("101", Phase.WRAP_UP.value)
    assert tuple(note) == ("来週納付", "recommended")
    assert tuple(flagged) == (frame["call"]["id"], "threat", "op1")
    status, answer = await operator.post("/api/console/emergency", {
        "reason": "threat", "consent": "not_asked"})
    assert status == 409  # only during a call
    assert any(a == "record.view" for a, _o in actions)
    assert any(a == "result.save" for a, _o in actions)
    assert chain.ok


async def test_a_resident_calling_back_is_identified_before_the_record_opens(
        centre: Centre, tmp_path: Path) -> None:
    operator, service = centre.operator, centre.service
    # The centre called this resident earlier (no answer): they call back.
    busy = frozenset({phone.normalize("011-555-0005")})
    candidate = await service.store.next_candidate(centre.batch, AT, busy)
    assert candidate is not None and candidate.number == CALLER
    await service.store.create("att-earlier", candidate, None, AT)
    await service.store.set_phase("att-earlier", Phase.DIALING, AT)
    await service.store.finish("att-earlier", Phase.DONE, "S02", AT)

    status, _ = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200
    caller = await sipp.call_in(centre.state.sip_port, centre.state.callers_port,
                                service.settings.centre.dedicated_number, CALLER, tmp_path,
                                30000)
    try:
        frame = await operator.frame(
            lambda f: (f.get("call") or {}).get("kind") == "callback", timeout_s=20)
        call = frame["call"]
        assert call["record"] is None and not call["verified"]  # nothing before 本人確認
        assert [c["ref"] for c in call["candidates"]] == ["T002"]
        assert call["candidates"][0]["name"] == "折返　太郎"  # the name to check, nothing more
        assert "phones" not in call["candidates"][0] and "kana" not in call["candidates"][0]
        status, answer = await operator.post("/api/console/result", {"code": "101"})
        assert status == 409 and "identity" in answer["error"]
        status, state = await operator.post("/api/console/identify", {
            "target_id": call["candidates"][0]["target_id"], "verified": True})
        assert status == 200 and state["call"]["record"]["name"] == "折返　太郎"
        status, state = await operator.post("/api/console/result", {
            "code": "101", "account_transfer": "already"})
        assert status == 200, state
    finally:
        await caller.stop(grace_s=10)
    async with service.database.engine.connect() as conn:
        inbound = await conn.execute(select(Attempt.direction, Attempt.result_code)
                                     .where(Attempt.id == call["id"]))
        assert tuple(inbound.one()) == ("in", "101")

        async def recorded() -> bool:
            row = (await conn.execute(select(InboundCallRecord.result_code).where(
                InboundCallRecord.id == call["id"]))).one_or_none()
            return row is not None and row[0] == "101"
        for _ in range(50):
            if await recorded():
                break
            await asyncio.sleep(0.1)
        assert await recorded()
        actions = [e.action for e in await audit.entries(conn)]
    assert "callers.view" in actions and "identity.verified" in actions


async def test_an_operator_cannot_leave_or_pause_mid_call_and_seats_are_exclusive(
        centre: Centre) -> None:
    operator = centre.operator
    status, answer = await operator.post("/api/console/ready", {"seat": "seat99"})
    assert status == 409 and "unknown seat" in answer["error"]
    status, state = await operator.post("/api/console/ready", {"seat": "seat02"})
    assert status == 200
    status, state = await operator.post("/api/console/pause", {"reason": "休憩"})
    assert status == 200 and state["state"] == "paused" and state["pause_reason"] == "休憩"
    status, state = await operator.post("/api/console/ready", {"seat": "seat02"})
    assert status == 200 and state["state"] == "ready"
    status, state = await operator.post("/api/console/leave")
    assert status == 200 and state["state"] == "offline"
    assert await until(lambda: not centre.service.pool.ready(), 2)
