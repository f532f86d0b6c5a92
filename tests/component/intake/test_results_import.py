"""`dialer results import`: results made on the paper fallback list, entered afterwards — good rows
recorded as an operator's result would be, bad rows listed, nothing twice, counted everywhere.

The period is set around today (the command reads the real clock): the list's calling period
ended three days ago, its callback period runs on."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, AuditEntry, CallNote, Target
from dialer.config import Settings
from dialer.services.intake import calllist
from dialer.services.intake import results_import as service
from dialer.services.intake.importer import ImportRequest, import_file
from dialer.services.intake.results_import import ResultsRefused, ResultsRequest
from dialer.services.reports import city_reports
from tests.component.conftest import Dialer, config_text
from tests.component.intake.conftest import snapshot
from tests.component.intake.files import GOOD_ROWS, write_csv
from tests.component.reports.readback import csv_rows, records

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = datetime.now(TOKYO).date()
FIRST = (TODAY - timedelta(days=8)).replace(day=1)
MONTH = f"{FIRST:%Y-%m}"
CALLING_LAST = TODAY - timedelta(days=3)
DAY = TODAY - timedelta(days=4)  # in the calling period
PERIODS = f"""
[[periods]]
debt_type = "hoikuryo"
month = "{MONTH}"
calling = ["{FIRST}", "{CALLING_LAST}"]
callback = ["{FIRST}", "{TODAY + timedelta(days=20)}"]
"""
HEADER = ["管理番号", "日時", "結果コード", "メモ", "区分"]


def at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).strftime("%Y-%m-%d %H:%M")


GOOD = [
    ["A001", at(DAY, 11), "101", "来週払うとのこと", ""],  # row 2: payment promise, ends
    ["A002", at(DAY, 11, 5), "202", "", "発信"],  # row 3: answering machine, retried
    ["A003", at(DAY, 11, 10), "２０１", "", ""],  # row 4: full-width code
    ["A003", at(TODAY - timedelta(days=1), 10), "納付約束", "", "着信"],  # row 5: a callback
]
BAD = [
    ["Z999", at(DAY, 12), "101", "", ""],  # row 6: not in the batch
    ["A002", f"{DAY:%Y-%m-%d} 25:00", "202", "", ""],  # row 7: no such time
    ["A002", "きのう", "202", "", ""],  # row 8: not a time
    ["A002", at(DAY, 12), "999", "", ""],  # row 9: unknown code
    ["A002", at(DAY, 13), "S05", "", ""],  # row 10: the dialer's abandoned call
    ["A002", at(TODAY + timedelta(days=1), 10), "202", "", ""],  # row 11: future
    ["A002", at(FIRST - timedelta(days=1), 10), "202", "", ""],  # row 12: before the period
    ["A002", at(TODAY - timedelta(days=1), 11), "202", "", ""],  # row 13: callback-only day
    ["A001", at(DAY, 11), "201", "", ""],  # row 14: same target and minute as row 2
]
BLANK = [["A002", "", "", "", ""]]  # row 15: a line of the paper list nobody called


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(config_text(database_url) + PERIODS, encoding="utf-8")
    return path


@pytest.fixture
async def batch(database: Database, settings: Settings, manager: str, tmp_path: Path) -> int:
    path = write_csv(tmp_path / "hoikuryo.csv", GOOD_ROWS)
    return (await import_file(database, settings, ImportRequest(path, "hoikuryo", MONTH))).batch


def results_file(path: Path, rows: list[list[str]], encoding: str = "cp932",
                 header: list[str] = HEADER) -> Path:
    return write_csv(path, rows, encoding, header)


def run_import(dialer: Dialer, batch: int, path: Path, *extra: str) -> tuple[int, dict, str]:
    code, out, err = dialer("results", "import", "--batch", str(batch), str(path), "--as",
                            "kanri", "--json", *extra)
    return code, json.loads(out) if out.strip() else {}, err


async def in_thread(dialer: Dialer, *args: object) -> tuple[int, dict, str]:
    return await asyncio.to_thread(run_import, dialer, *args)  # the command runs its own loop


async def paper_attempts(database: Database) -> list[tuple[str, str, str, str]]:
    async with database.engine.connect() as conn:
        rows = await conn.execute(
            select(Target.ref, Attempt.result_code, Attempt.direction, Attempt.phase)
            .join(Target, Target.id == Attempt.target_id).where(Attempt.source == "paper")
            .order_by(Attempt.created_at))
        return [tuple(r) for r in rows]


async def target(database: Database, batch: int, ref: str) -> tuple[bool, int, datetime | None]:
    async with database.engine.connect() as conn:
        return tuple((await conn.execute(
            select(Target.done, Target.attempts, Target.next_due_at)
            .where(Target.batch_id == batch, Target.ref == ref))).one())


async def test_good_rows_are_recorded_as_an_operators_result_and_bad_ones_listed(
        database: Database, batch: int, dialer: Dialer, tmp_path: Path) -> None:
    path = results_file(tmp_path / "paper.csv", GOOD + BAD + BLANK)
    code, out, err = await in_thread(dialer, batch, path)
    assert code == 0, err
    assert set(out) == {"batch", "recorded", "already_recorded", "rejected", "skipped_blank",
                        "errors", "errors_file", "encoding"}
    assert set(out["errors"][0]) == {"row", "column", "value", "reason"}
    assert (out["recorded"], out["already_recorded"], out["rejected"], out["skipped_blank"]) \
        == (4, 0, 9, 1)
    reasons = {e["row"]: (e["column"], e["reason"]) for e in out["errors"]}
    assert sorted(reasons) == list(range(6, 15))
    assert reasons[6] == ("管理番号", f"not in batch {batch}")
    assert reasons[7][1] == "no such date or time" and reasons[8][1].startswith("not a time")
    assert reasons[9][0] == "結果コード" and "valid: S01 S02 S03 S04 101" in reasons[9][1]
    assert "S05" not in reasons[9][1] and reasons[10][1].startswith("unknown result code")
    assert reasons[11][1] == "in the future"
    assert reasons[12][1].startswith("outside this list's calling period")
    assert reasons[13][1].endswith("a callback? set 区分 to 着信")
    assert reasons[14] == ("日時", "the same 管理番号 and minute as row 2")
    assert all("Z999" not in e["value"] for e in out["errors"])  # 管理番号 masked
    assert await asyncio.to_thread(Path(out["errors_file"]).exists)

    assert await paper_attempts(database) == [
        ("A001", "101", "out", "wrap_up"), ("A002", "202", "out", "wrap_up"),
        ("A003", "201", "out", "wrap_up"), ("A003", "101", "in", "wrap_up")]
    # the next-call plan as after an operator's result: a promise ends the target, an
    # answering machine is retried a day later; a callback is not a call made
    assert await target(database, batch, "A001") == (True, 1, None)
    done, attempts, due = await target(database, batch, "A002")
    assert (done, attempts) == (False, 1)
    assert due == datetime.combine(DAY, time(11, 5), TOKYO) + timedelta(days=1)
    assert (await target(database, batch, "A003"))[:2] == (True, 1)
    async with database.engine.connect() as conn:
        notes = [tuple(r) for r in await conn.execute(
            select(CallNote.result_code, CallNote.note, CallNote.escalation)
            .order_by(CallNote.at))]
    assert notes[0] == ("101", "来週払うとのこと", False) and len(notes) == 4


async def test_the_same_file_twice_records_nothing_the_second_time(
        database: Database, batch: int, dialer: Dialer, tmp_path: Path) -> None:
    path = results_file(tmp_path / "paper.csv", GOOD, "utf-8-sig")
    assert (await in_thread(dialer, batch, path))[1]["recorded"] == 4
    before = await snapshot(database)
    code, out, err = await asyncio.to_thread(
        dialer, "results", "import", "--batch", str(batch), str(path), "--as", "kanri")
    assert code == 0 and out.startswith(f"batch {batch}: nothing recorded: all 4 results"), err
    assert "already recorded" in out
    after = await snapshot(database)
    assert {t: rows for t, rows in after.items() if t != "audit_log"} == \
        {t: rows for t, rows in before.items() if t != "audit_log"}
    assert len(await paper_attempts(database)) == 4


async def test_strict_records_nothing_when_a_row_is_bad(
        database: Database, batch: int, dialer: Dialer, tmp_path: Path) -> None:
    path = results_file(tmp_path / "paper.csv", GOOD + BAD[:1])
    before = await snapshot(database)
    code, out, err = await in_thread(dialer, batch, path, "--strict")
    assert code == 1 and out["refused"] == "--strict and 1 bad rows"
    assert [e["row"] for e in out["errors"]] == [6] and "nothing recorded" in err
    assert await snapshot(database) == before
    code, out, _ = await in_thread(dialer, batch, results_file(tmp_path / "ok.csv", GOOD),
                                   "--strict")
    assert (code, out["recorded"]) == (0, 4)


async def test_every_recorded_row_is_in_the_access_log_without_personal_data(
        database: Database, batch: int, dialer: Dialer, tmp_path: Path) -> None:
    path = results_file(tmp_path / "paper.csv", GOOD + BAD[:1])
    assert (await in_thread(dialer, batch, path))[1]["recorded"] == 4
    async with database.engine.connect() as conn:
        rows = [(actor, action, obj, json.loads(detail)) for actor, action, obj, detail in
                await conn.execute(select(AuditEntry.actor, AuditEntry.action,
                                          AuditEntry.object, AuditEntry.detail)
                                   .order_by(AuditEntry.id))
                if action.startswith("result")]
        attempt_ids = {a for (a,) in await conn.execute(
            select(Attempt.id).where(Attempt.source == "paper"))}
    per_row = [r for r in rows if r[1] == "result.import"]
    assert {r[2] for r in per_row} == {f"call:{a}" for a in attempt_ids}
    assert sorted(r[3]["row"] for r in per_row) == [2, 3, 4, 5]
    assert all(set(r[3]) == {"batch", "target", "code", "direction", "row"} for r in per_row)
    assert rows[-1][:3] == ("kanri", "results.import", f"batch:{batch}")
    assert (rows[-1][3]["recorded"], rows[-1][3]["rejected"]) == (4, 1)
    text = json.dumps(rows, ensure_ascii=False)
    assert "A001" not in text and "来週" not in text


async def test_only_a_manager_may_import_results(
        database: Database, batch: int, dialer: Dialer, tmp_path: Path) -> None:
    path = results_file(tmp_path / "paper.csv", GOOD)
    before = await snapshot(database)
    code, _out, err = await asyncio.to_thread(
        dialer, "results", "import", "--batch", str(batch), str(path), "--as", "op1")
    assert code == 2 and "'op1' is operator" in err
    code, _out, err = await asyncio.to_thread(
        dialer, "results", "import", "--batch", str(batch), str(path))
    assert code == 2 and "--as LOGIN" in err
    code, _out, err = await asyncio.to_thread(
        dialer, "results", "import", "--batch", "99", str(path), "--as", "kanri")
    assert code == 2 and "no batch 99" in err
    assert await snapshot(database) == before


@pytest.mark.parametrize("kind", ["binary", "columns", "huge", "long", "empty"])
async def test_a_hostile_file_is_refused_and_changes_nothing(
        database: Database, batch: int, dialer: Dialer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    path = tmp_path / "paper.csv"
    if kind == "binary":
        path.write_bytes(b"\x00\x01\x02PK garbage" * 100)
        expected = "binary file"
    elif kind == "columns":
        results_file(path, [["A001", "x"]], header=["管理番号", "氏名"])
        expected = "missing column 日時 / 架電日時; missing column 結果コード / 結果"
    elif kind == "huge":
        results_file(path, GOOD * 50)
        monkeypatch.setattr(service, "MAX_BYTES", 1024)
        expected = "a results file has at most 0 MiB"
    elif kind == "long":
        results_file(path, GOOD)
        monkeypatch.setattr(service, "MAX_ROWS", 3)
        expected = "more than 3 rows; split the file"
    else:
        results_file(path, BLANK)
        expected = "the file has no results"
    before = await snapshot(database)
    code, out, err = await in_thread(dialer, batch, path)
    assert code == 1 and expected in out["refused"] and "nothing recorded" in err
    assert await snapshot(database) == before


async def test_the_daily_report_and_the_call_list_count_imported_results(
        database: Database, settings: Settings, batch: int, tmp_path: Path) -> None:
    outs = iter(("before", "after"))

    async def figures() -> tuple[dict[str, str], int]:
        made = await city_reports.generate_daily(database, settings, DAY, "kanri",
                                                 out=tmp_path / next(outs))
        summary = next(p for p in made.files if "業務日報" in p.name and p.suffix == ".csv")
        total = records(csv_rows(summary))[-1]
        _batch, entries = await calllist.call_list(database, batch)
        return total, sum(e.attempts for e in entries)

    before, calls_before = await figures()
    path = results_file(tmp_path / "paper.csv", GOOD[:3])  # three calls on DAY
    request = ResultsRequest(batch, path, "kanri")
    done = await service.import_results(database, settings, request, datetime.now(TOKYO))
    assert done.recorded == 3
    after, calls_after = await figures()
    assert int(after["架電件数"]) == int(before["架電件数"]) + 3
    assert int(after["接触件数"]) == int(before["接触件数"]) + 1  # the promise
    assert int(after["納付約束件数"]) == int(before["納付約束件数"]) + 1
    assert calls_after == calls_before + 3


async def test_an_older_paper_result_keeps_the_newer_plan_unless_it_ends_the_target(
        database: Database, settings: Settings, batch: int, tmp_path: Path) -> None:
    newer = [["A002", at(DAY, 15), "202", "", ""]]
    await service.import_results(database, settings, ResultsRequest(
        batch, results_file(tmp_path / "a.csv", newer), "kanri"), datetime.now(TOKYO))
    plan = await target(database, batch, "A002")
    older = [["A002", at(DAY, 11), "201", "", ""]]
    await service.import_results(database, settings, ResultsRequest(
        batch, results_file(tmp_path / "b.csv", older), "kanri"), datetime.now(TOKYO))
    assert await target(database, batch, "A002") == (False, 2, plan[2])
    ending = [["A002", at(DAY, 10), "101", "", ""]]
    await service.import_results(database, settings, ResultsRequest(
        batch, results_file(tmp_path / "c.csv", ending), "kanri"), datetime.now(TOKYO))
    assert (await target(database, batch, "A002"))[:2] == (True, 3)


async def test_the_paper_list_filled_in_is_a_results_file(
        database: Database, settings: Settings, batch: int, tmp_path: Path) -> None:
    exported = await calllist.export_paper(database, settings, batch, "kanri", ("csv",))
    with exported[0].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    filled = [r[:] for r in rows[1:]]
    filled[0][header.index("日時")] = f"{DAY:%Y/%m/%d} 10:30"  # as Excel writes it back
    filled[0][header.index("結果")] = "202"
    filled[0][header.index("メモ")] = "留守電"
    path = write_csv(tmp_path / "filled.csv", filled, "utf-8-sig", header)
    done = await service.import_results(database, settings, ResultsRequest(batch, path, "kanri"),
                                        datetime.now(TOKYO))
    assert (done.recorded, done.rejected, done.skipped) == (1, 0, len(filled) - 1)


async def test_a_refused_request_raises_before_reading(
        database: Database, settings: Settings, batch: int, tmp_path: Path) -> None:
    path = results_file(tmp_path / "paper.csv", GOOD + BAD[:1])
    with pytest.raises(ResultsRefused) as refused:
        await service.import_results(database, settings, ResultsRequest(
            batch, path, "kanri", strict=True), datetime.now(TOKYO))
    assert [e.row for e in refused.value.errors] == [6]
