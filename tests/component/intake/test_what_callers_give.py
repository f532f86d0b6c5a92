"""What a caller gives on the call, saved with their result: a resident's new number (kept on
their target, marked as theirs, called next) and an appointment (their target's next call, in
the call-back list); a caller not identified keeps the note and call-back request on the inbound
call only."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dialer import config
from dialer.adapters.db import users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import CallNote, InboundCallRecord, Target, TargetPhone
from dialer.config import Settings
from dialer.domain import result_form
from dialer.domain.result_form import ResultForm
from dialer.services.console import result_record
from dialer.services.console.call_backs import CallBacks
from dialer.services.console.result_record import SavedResult
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv
from tests.component.intake.test_caller_search import PERIODS, PERSON

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
NEW = "080-2222-3333"


async def _centre(database: Database, settings: Settings, tmp_path: Path
                  ) -> tuple[int, int, int, DbAttemptStore]:
    batch = (await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "hoikuryo.csv", [PERSON]), "hoikuryo", "2027-01"))).batch
    async with database.transaction() as conn:
        operator = await users.add(conn, "op1", "オペ1", "operator")
        target = await conn.scalar(select(Target.id).where(Target.batch_id == batch))
    assert target is not None
    return batch, target, operator, DbAttemptStore(database, settings.classification, TZ)


def _call_backs(database: Database, settings: Settings, tmp_path: Path,
                now: datetime = NOW) -> CallBacks:
    (tmp_path / "p.toml").write_text(PERIODS)
    calendar = config.calendar(config.load(tmp_path / "p.toml"))
    return CallBacks(database, lambda: calendar, lambda: settings, lambda: now)


async def test_a_number_the_resident_gives_is_kept_and_called_next_at_the_agreed_time(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    batch, target, operator, store = await _centre(database, settings, tmp_path)
    await store.open_callback("call-1", batch, target, operator, NOW)  # 本人確認 done
    agreed = NOW + timedelta(days=1, hours=5)  # tomorrow 17:00
    form = result_form.validate(ResultForm("106", note="夕方に携帯へ", appointment=agreed,
                                           phone=NEW), settings.classification, None, NOW)
    async with database.transaction() as conn:
        assert await result_record.write(conn, store, SavedResult(
            "call-1", (batch, target), True, operator, "op1", NOW, form))
    async with database.engine.connect() as conn:
        phones = (await conn.execute(select(TargetPhone.number, TargetPhone.given_at)
                                     .where(TargetPhone.target_id == target)
                                     .order_by(TargetPhone.position))).all()
        due = await conn.scalar(select(Target.next_due_at).where(Target.id == target))
    assert [(n, g is not None) for n, g in phones] == [("09077770001", False),
                                                      ("08022223333", True)]
    assert due == agreed
    assert await store.next_candidate(batch, agreed - timedelta(minutes=1), frozenset()) is None
    candidate = await store.next_candidate(batch, agreed, frozenset())
    assert candidate is not None and candidate.number == "08022223333"
    listing = await _call_backs(database, settings, tmp_path).listing("op1")
    assert [(c["ref"], c["at"], c["operator"]) for c in listing["targets"]] == [
        ("C001", agreed.isoformat(), "op1")]
    assert listing["callers"] == [] and listing["targets"][0]["overdue"] is False
    late = await _call_backs(database, settings, tmp_path, agreed + timedelta(minutes=1)
                             ).listing("kanri")  # the board marks it once its time has passed
    assert late["targets"][0]["overdue"] is True


async def test_a_caller_not_identified_keeps_a_note_and_a_call_back_on_the_call_only(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    _batch, target, operator, store = await _centre(database, settings, tmp_path)
    later = NOW + timedelta(hours=5)
    form = result_form.validate(ResultForm("204", note="通知書が手元になく確認できず",
                                           appointment=later, phone="０９０-１２３４-５６７８"),
                                settings.classification, None, NOW)
    async with database.transaction() as conn:
        assert await result_record.write(conn, store, SavedResult(
            "call-2", None, True, operator, "op1", NOW, form, verified=False))
        assert not await result_record.write(conn, store, SavedResult(  # never twice
            "call-2", None, True, operator, "op1", NOW, form, verified=False))
    async with database.engine.connect() as conn:
        row = (await conn.execute(select(
            InboundCallRecord.result_code, InboundCallRecord.note,
            InboundCallRecord.callback_number, InboundCallRecord.callback_at,
            InboundCallRecord.noted_by))).one()
        notes = (await conn.execute(select(CallNote.id))).all()
        phones = (await conn.execute(select(TargetPhone.number)
                                     .where(TargetPhone.target_id == target))).all()
    assert tuple(row) == ("204", "通知書が手元になく確認できず", "09012345678", later, "op1")
    assert notes == [] and [n for (n,) in phones] == ["09077770001"]  # no target touched
    listing = await _call_backs(database, settings, tmp_path).listing("op1")
    assert [(c["number"], c["note"]) for c in listing["callers"]] == [
        ("090-1234-5678", "通知書が手元になく確認できず")]


async def test_a_number_that_cannot_be_dialed_is_refused_by_the_form(settings: Settings) -> None:
    import pytest

    for bad in ("110", "0570-000-000", "090-1234"):
        with pytest.raises(result_form.FormError, match="phone: "):
            result_form.validate(ResultForm("204", phone=bad), settings.classification, None,
                                 NOW)
