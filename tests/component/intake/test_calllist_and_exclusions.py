"""Exclusions (effective at once), the call list, assignment, paper export, batch deletion."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.calllist import AssignmentProblem, PhoneOrder, TargetOrder
from dialer.services.governance.accounts import NotAllowed
from dialer.services.intake import batches, calllist, exclusions
from dialer.services.intake.importer import ImportRequest, IntakeRefused, import_file
from tests.component.intake.conftest import count, snapshot
from tests.component.intake.files import GOOD_ROWS, write_csv


async def imported(database: Database, settings: Settings, tmp_path: Path,
                   debt_type: str = "hoikuryo") -> int:
    path = write_csv(tmp_path / f"{debt_type}.csv", GOOD_ROWS)
    request = ImportRequest(path, debt_type, "2027-01", force=True)  # same rows, several types
    return (await import_file(database, settings, request)).batch


async def target_id(database: Database, batch: int, ref: str) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.execute(text("SELECT id FROM targets WHERE batch_id = :b AND "
                                            "ref = :r"), {"b": batch, "r": ref})).scalar_one())


async def test_a_stop_list_excludes_at_once_within_its_batch_only(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    first = await imported(database, settings, tmp_path)
    second = await imported(database, settings, tmp_path, "rojin")
    a001 = await target_id(database, first, "A001")
    assert await exclusions.is_dialable(database, a001)
    stop = tmp_path / "stop.csv"
    stop.write_bytes("管理番号,除外理由,備考\r\nA001,納付済,\r\nA002,消込,\r\nA002,その他,窓口で納付\r\n"
                     "Z999,死亡,\r\nA003,引越し,\r\n".encode("cp932"))
    result = await exclusions.exclude_file(database, settings, first, stop, actor="kanri")
    assert (result.excluded, result.already, result.rejected) == (3, 0, 2)
    assert not await exclusions.is_dialable(database, a001)
    assert await exclusions.is_dialable(database, await target_id(database, second, "A001"))
    again = await exclusions.exclude_file(database, settings, first, stop, actor="kanri")
    assert (again.excluded, again.already) == (0, 3)
    assert result.errors_file is not None
    with result.errors_file.open(encoding="utf-8-sig") as f:
        assert [r[1:] for r in csv.reader(f)][1:] == [
            ["除外理由", "***", "unknown reason (paid, dispute, deceased, moved, division_stop, "
             "other or 納付済, 係争中, 死亡, 転居, 停止依頼, その他)"],
            ["管理番号", "****", f"not in batch {first}"]]
    listed = await batches.exclusions_of(database, first)
    assert sorted((e.ref, e.reason) for e in listed) == [
        ("A001", "paid"), ("A002", "other"), ("A002", "paid")]


async def test_a_strict_stop_list_with_a_bad_row_changes_nothing(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    batch = await imported(database, settings, tmp_path)
    before = await snapshot(database)
    stop = tmp_path / "stop.csv"
    stop.write_bytes("管理番号,除外理由\r\nA001,納付済\r\nZ9,死亡\r\n".encode("cp932"))
    with pytest.raises(IntakeRefused, match="--strict and 1 bad rows"):
        await exclusions.exclude_file(database, settings, batch, stop, strict=True)
    assert await snapshot(database) == before


async def test_a_manager_excludes_one_target_with_a_reason(
        database: Database, settings: Settings, tmp_path: Path, manager: str) -> None:
    batch = await imported(database, settings, tmp_path)
    assert await exclusions.exclude_target(database, batch, "A003", "係争中", None, manager)
    assert not await exclusions.exclude_target(database, batch, "A003", "dispute", None, manager)
    assert not await exclusions.is_dialable(database, await target_id(database, batch, "A003"))
    with pytest.raises(NotAllowed, match="'op1' is operator"):
        await exclusions.exclude_target(database, batch, "A001", "paid", None, "op1")
    with pytest.raises(Exception, match="needs a note"):
        await exclusions.exclude_target(database, batch, "A001", "other", "", manager)


async def test_the_call_list_in_order_without_excluded_targets(
        database: Database, settings: Settings, tmp_path: Path, manager: str) -> None:
    batch = await imported(database, settings, tmp_path)
    _, by_due = await calllist.call_list(database, batch)
    assert [(e.ref, e.earliest_due.isoformat() if e.earliest_due else None, e.debts)
            for e in by_due] == [("A003", "2019-04-30", 1), ("A001", "2023-04-30", 2),
                                 ("A002", "2023-06-30", 1)]
    _, by_amount = await calllist.call_list(database, batch, order=TargetOrder.AMOUNT,
                                            phone_order=PhoneOrder.FIXED_FIRST)
    assert [(e.ref, e.total_amount) for e in by_amount] == [
        ("A001", 24690), ("A002", 8000), ("A003", 500)]
    assert by_amount[0].phones == ("0112223333", "09012345678")
    await calllist.set_order(database, batch, TargetOrder.FILE, PhoneOrder.MOBILE_FIRST, manager)
    await exclusions.exclude_target(database, batch, "A002", "deceased", None, manager)
    info, entries = await calllist.call_list(database, batch)
    assert [e.ref for e in entries] == ["A001", "A003"]
    assert (info.excluded, entries[0].phones[0]) == (1, "09012345678")


async def test_assignment_strategies(database: Database, settings: Settings, tmp_path: Path,
                                     manager: str) -> None:
    batch = await imported(database, settings, tmp_path)
    assert await calllist.assign(database, batch, manager, strategy="round_robin",
                                 operators=["op1", "op3"]) == {"op1": 2, "op3": 1}
    assert await calllist.assign(database, batch, manager, strategy="round_robin") == {}
    assert await calllist.assign(database, batch, manager, strategy="skill",
                                 reassign=True) == {"op1": 2, "op2": 1}
    assert await calllist.assign(database, batch, manager, refs=["A001", "A002"],
                                 operator="op3") == {"op3": 2}
    _, entries = await calllist.call_list(database, batch)
    assert {e.ref: e.operator for e in entries} == {"A001": "op3", "A002": "op3", "A003": "op1"}
    assert await calllist.unassign(database, batch, manager) == 3
    with pytest.raises(NotAllowed):
        await calllist.assign(database, batch, "op1", strategy="round_robin")
    with pytest.raises(AssignmentProblem, match="skilled for debt type yakan"):
        yakan = await imported(database, settings, tmp_path, "yakan")
        await calllist.assign(database, yakan, manager, strategy="skill")


async def test_the_paper_export_is_for_managers_and_logged(
        database: Database, settings: Settings, tmp_path: Path, manager: str) -> None:
    batch = await imported(database, settings, tmp_path)
    with pytest.raises(NotAllowed):
        await calllist.export_paper(database, settings, batch, "op1")
    with pytest.raises(NotAllowed):
        await calllist.export_paper(database, settings, batch, None)
    await calllist.assign(database, batch, manager, strategy="round_robin", operators=["op1"])
    html, csv_path = await calllist.export_paper(database, settings, batch, manager)
    assert html.parent == settings.paths.data_dir / "exports"
    assert oct(html.stat().st_mode & 0o777) == "0o600"
    page = html.read_text(encoding="utf-8")
    assert "担当: op1（3 件）" in page and "090-1234-5678" in page and "札幌　太郎" in page
    assert "@page { size: A4 landscape" in page and "債権: 保育所等保育料（hoikuryo）" in page
    with csv_path.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[1][:5] == ["1", "A003", "旭川　次郎", "", "090-2222-3333"]
    async with database.engine.connect() as conn:
        entry = (await audit.entries(conn, limit=1))[0]
    assert (entry.actor, entry.action, entry.obj) == (manager, "calllist.export", f"batch:{batch}")
    assert entry.detail["targets"] == 3 and set(entry.detail["files"]) == {html.name, csv_path.name}
    assert "札幌" not in json.dumps(entry.detail, ensure_ascii=False)


async def test_deleting_a_batch_deletes_all_its_personal_data(
        database: Database, settings: Settings, tmp_path: Path, manager: str) -> None:
    batch = await imported(database, settings, tmp_path)
    other = await imported(database, settings, tmp_path, "rojin")
    await exclusions.exclude_target(database, batch, "A001", "paid", None, manager)
    await calllist.assign(database, batch, manager, strategy="round_robin")
    exported = await calllist.export_paper(database, settings, batch, manager)
    kept = await calllist.export_paper(database, settings, other, manager)
    assert await batches.delete_batch(database, settings, batch, manager) == 3
    assert not any(p.exists() for p in exported) and all(p.exists() for p in kept)
    async with database.engine.connect() as conn:
        left = (await conn.execute(text(
            "SELECT (SELECT count(*) FROM targets WHERE batch_id = :b), "
            "(SELECT count(*) FROM target_phones), (SELECT count(*) FROM debts), "
            "(SELECT count(*) FROM exclusions)"), {"b": batch})).one()
    assert tuple(left) == (0, 5, 4, 0)  # only the other batch's numbers and debts remain
    assert [b.id for b in await batches.list_batches(database)] == [other]
    with pytest.raises(NotAllowed):
        await batches.delete_batch(database, settings, other, "op2")


async def test_the_audit_log_is_append_only(database: Database, settings: Settings,
                                            tmp_path: Path) -> None:
    await imported(database, settings, tmp_path)
    assert await count(database, "audit_log") == 1
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with database.engine.begin() as conn:
                await conn.execute(text(statement))
    assert await count(database, "audit_log") == 1
