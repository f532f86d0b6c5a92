"""A resident calling the dedicated number from a phone the centre never dialed, on the real
sandbox: the operator finds them by 管理番号 and by kana (only debt type, 管理番号 and name shown
until 本人確認), confirms identity, records the result, an appointment and the new number the
resident gives — and the next outbound call to that resident, at the agreed time, goes to the new
number. A caller who cannot be identified, taken by a manager on their own account, keeps the
operator's note, which is in the daily report."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from dialer.adapters.db import audit
from dialer.adapters.db.models import Attempt, InboundCallRecord, Target, TargetPhone
from dialer.app import Service
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from dialer.services.reports import city_reports as reports
from dialer.services.runtime.clock import Clock
from tests.asterisk.centre import PASSWORD, running_centre
from tests.asterisk.kit import TOKYO
from tests.support.console_client import ConsoleUser

ROWS = [["T020", "未架電　一郎", "ミカデン イチロウ", "011-555-0012", "", "R5", "第1期", "R5.4.30",
         "7000"]]
UNKNOWN = "09066660001"  # never dialed by the centre
NEW = "08033330004"  # the resident's new mobile (…4: answers, hangs up after 2 s)
AGREED = datetime(2027, 1, 12, 16, 45, tzinfo=TOKYO)  # the evening window, same day


def is_callback(frame: dict[str, object]) -> bool:
    call = frame.get("call")
    return isinstance(call, dict) and call.get("kind") == "callback"


async def test_a_caller_from_an_unknown_number_is_found_identified_and_called_back_on_the_new_number(  # noqa: E501
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    async with running_centre(sandbox_state, tmp_path, sipp.RESIDENTS, rows=ROWS) as centre:
        service, operator = centre.service, centre.operator
        status, _ = await operator.post("/api/console/ready", {"seat": "seat01"})
        assert status == 200
        caller = await sipp.call_in(centre.state.sip_port, centre.state.callers_port,
                                    service.settings.centre.dedicated_number, UNKNOWN,
                                    tmp_path, 30000)
        try:
            call = (await operator.frame(is_callback, timeout_s=20))["call"]
            assert call["candidates"] == [] and call["record"] is None
            status, state = await operator.post("/api/console/search",
                                                {"by": "ref", "query": "T020"})
            assert status == 200, state
            found = state["call"]["found"]
            assert [(f["ref"], f["name"]) for f in found] == [("T020", "未架電　一郎")]
            assert set(found[0]) == {"batch_id", "target_id", "ref", "name", "debt_type"}
            assert state["call"]["record"] is None  # nothing more until 本人確認
            status, state = await operator.post("/api/console/search",
                                                {"by": "name", "query": "ﾐｶﾃﾞﾝ"})
            assert status == 200 and [f["ref"] for f in state["call"]["found"]] == ["T020"]
            status, state = await operator.post("/api/console/identify", {
                "target_id": found[0]["target_id"], "verified": True})
            assert status == 200 and state["call"]["record"]["name"] == "未架電　一郎"
            status, state = await operator.post("/api/console/result", {
                "code": "106", "note": "夕方、新しい携帯に", "phone": "080-3333-0004",
                "appointment": "2027-01-12T16:45"})
            assert status == 200, state
        finally:
            await caller.stop(grace_s=10)
        await _the_new_number_is_kept(service)
        status, listing = await operator.get("/api/console/callbacks")
        assert status == 200 and [c["ref"] for c in listing["targets"]] == ["T020"]

        clock = service.now
        assert isinstance(clock, Clock)
        clock.move_to(AGREED)
        service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=10,
                                     month="2027-01"))
        for _ in range(300):
            if await _outbound(service):
                break
            await asyncio.sleep(0.1)
        service.runner.close(centre.batch)
        assert await _outbound(service) == [1]  # the number the resident gave (index 1)
        async with service.database.engine.connect() as conn:
            actions = [(e.action, e.detail) for e in await audit.entries(conn, limit=500)]
    searches = [d for a, d in actions if a == "callers.search"]
    assert sorted(d["by"] for d in searches) == ["name", "ref"]
    assert "T020" not in str(searches) and "ﾐｶﾃﾞﾝ" not in str(searches)


async def _the_new_number_is_kept(service: Service) -> None:
    async with service.database.engine.connect() as conn:
        phones = (await conn.execute(select(TargetPhone.number, TargetPhone.given_at)
                                     .order_by(TargetPhone.position))).all()
        due, index = (await conn.execute(select(Target.next_due_at, Target.phone_index))).one()
    assert [(n, g is not None) for n, g in phones] == [("0115550012", False), (NEW, True)]
    assert (due, index) == (AGREED, 1)


async def _outbound(service: Service) -> list[int]:
    """The phone index of each outbound attempt that reached the resident."""
    async with service.database.engine.connect() as conn:
        rows = await conn.execute(select(Attempt.phone_index).where(
            Attempt.direction == "out", Attempt.answered_at.is_not(None)))
        return [index for (index,) in rows]


async def test_a_manager_takes_a_caller_who_cannot_be_identified_and_the_note_is_reported(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    async with running_centre(sandbox_state, tmp_path, sipp.RESIDENTS, rows=ROWS,
                              console_user=False) as centre:
        service = centre.service
        manager = ConsoleUser(service.url)
        try:
            await manager.login("kanri", PASSWORD, home="/board")
            await manager.connect()
            status, state = await manager.post("/api/console/ready", {"seat": "seat02"})
            assert status == 200 and state["state"] == "ready", state
            caller = await sipp.call_in(centre.state.sip_port, centre.state.callers_port,
                                        service.settings.centre.dedicated_number, UNKNOWN,
                                        tmp_path, 30000)
            try:
                call = (await manager.frame(is_callback, timeout_s=20))["call"]
                status, state = await manager.post("/api/console/search",
                                                   {"by": "ref", "query": "X999"})
                assert status == 200 and state["call"]["found"] == []
                status, answer = await manager.post("/api/console/result", {"code": "101"})
                assert status == 409 and "identity" in answer["error"]
                status, state = await manager.post("/api/console/result", {
                    "code": "204", "note": "通知書が手元にない。明日かけ直してほしい",
                    "phone": "090-6666-0009", "appointment": "2027-01-13T12:00"})
                assert status == 200, state
            finally:
                await caller.stop(grace_s=10)
            status, listing = await manager.get("/api/console/callbacks")
            assert [(c["number"], c["operator"]) for c in listing["callers"]] == [
                ("090-6666-0009", "kanri")]
        finally:
            await manager.close()
        for _ in range(100):  # the call's row is complete once its hangup was followed
            async with service.database.engine.connect() as conn:
                row = (await conn.execute(select(
                    InboundCallRecord.started_at, InboundCallRecord.result_code,
                    InboundCallRecord.note).where(InboundCallRecord.id == call["id"]))).one()
            if row[0] is not None:
                break
            await asyncio.sleep(0.1)
        assert row[1:] == ("204", "通知書が手元にない。明日かけ直してほしい")
        out = tmp_path / "outbox"
        day = row[0].astimezone(TOKYO).date()  # Asterisk's own time of the call
        await reports.generate_daily(service.database, service.settings, day, "kanri",
                                     out=out)
        book = next(out.rglob("*_業務日報.xlsx"))
        lines = [list(r) for r in load_workbook(book)[reports.UNIDENTIFIED_SHEET]
                 .iter_rows(values_only=True)]
        assert [line[1:5] for line in lines[1:]] == [
            ["204", "本人確認できず", "通知書が手元にない。明日かけ直してほしい", "あり"]]
