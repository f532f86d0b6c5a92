"""The daily reports (§13(1)): generated from imported lists and recorded calls, read back from
.xlsx and CP932 CSV, every figure checked against the test's own count of what it stored."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, AuditEntry, Batch, Target
from dialer.config import Settings
from dialer.services.reports import city_reports as reports
from tests.component.conftest import Dialer
from tests.component.reports.centre import (
    CONTACT,
    DAY,
    LABEL,
    Centre,
    batch_of,
    day_calls,
    expected_inbound,
    expected_reach,
    expected_summary,
    file_order,
    local,
    reach_cases,
    status,
    strongest_mark,
)
from tests.component.reports.readback import blank, csv_rows, records, xlsx_rows

NAMES = {"hoikuryo": "保育所等保育料", "kyushoku": "公立保育所等給食費"}
SUMMARY_COLUMNS = {"対象件数": "targets", "架電対象残数": "in_play", "除外件数": "excluded",
                   "架電件数": "calls", "接触件数": "contacts", "納付約束件数": "promises",
                   "エスカレーション件数": "escalations", "苦情件数": "complaints",
                   "折返し対応件数": "callbacks", "稼働オペレーター数": "operators"}


def daily_dir(settings: Settings, day: date = DAY) -> Path:
    return settings.paths.outbox_dir / "daily" / f"{day:%Y%m%d}"


def list_file(settings: Settings, kind: str, debt_type: str, ext: str, day: date = DAY) -> Path:
    return daily_dir(settings, day) / f"{day:%Y%m%d}_{kind}_{NAMES[debt_type]}.{ext}"


def percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else ""


async def test_the_daily_report_counts_what_was_stored(centre: Centre, dialer: Dialer) -> None:
    code, out, err = await asyncio.to_thread(  # the command runs its own event loop
        dialer, "report", "daily", "--date", DAY.isoformat(), "--json")
    assert code == 0, err
    # summary + 2 lists × 2 debt types (xlsx and csv), and the access log's head
    assert len(json.loads(out)["files"]) == 2 + 2 * 2 * 2 + 1
    settings, expected = centre.settings, expected_summary(centre, DAY)
    end = local(DAY, 0) + timedelta(days=1)
    reach = expected_reach(centre, end, local(DAY, 0))
    cases = reach_cases(centre, end)
    assert all(cases[k] for k in ("contacted twice or more", "called, never reached",
                                  "excluded, reached")), cases  # the seed has every case
    stem = daily_dir(settings) / f"{DAY:%Y%m%d}_業務日報"
    from_csv = {r["債権名"]: r for r in records(csv_rows(stem.with_suffix(".csv")))}
    from_xlsx = {r["債権名"]: r for r in records(xlsx_rows(stem.with_suffix(".xlsx")))}
    for debt_type, name in NAMES.items():
        figures = expected[debt_type]
        assert figures["calls"] > 5 and figures["escalations"] > 0  # the seed makes a real day
        for header, key in SUMMARY_COLUMNS.items():
            assert from_csv[name][header] == str(figures[key]), (name, header)
            assert from_xlsx[name][header] == figures[key], (name, header)
        # 接触件数率: the day's contacts per call (secondary)
        assert from_csv[name]["接触件数率"] == percent(figures["contacts"], figures["calls"])
        assert from_xlsx[name]["接触件数率"] == pytest.approx(
            figures["contacts"] / figures["calls"])
        # 対象者接触率: the people on the list reached by the day's end, counted person by
        # person from the record (reached twice: once; excluded: out of both sides)
        people = reach[debt_type]
        assert (people["targets"], people["excluded"]) == (figures["targets"],
                                                           figures["excluded"])
        assert from_xlsx[name]["接触者数（累計）"] == people["persons_contacted"] > 0
        assert from_xlsx[name]["本日新規接触者数"] == people["persons_new"] > 0
        listed = people["targets"] - people["excluded"]
        assert from_xlsx[name]["対象者接触率"] == pytest.approx(
            people["persons_contacted"] / listed)
        assert from_csv[name]["対象者接触率"] == percent(people["persons_contacted"], listed)
        assert from_csv[name]["実施状況"] == "架電実施"
    for d in settings.debt_types:
        if d.code not in NAMES:
            assert from_csv[d.name]["実施状況"] == "実施期間外"
            assert from_csv[d.name]["架電件数"] == "0" and from_csv[d.name]["接触件数率"] == ""
            assert from_csv[d.name]["対象者接触率"] == ""  # no list: no share
    total, inbound = from_csv["合計"], expected_inbound(centre, DAY)
    everyone = sum(reach.values(), Counter())
    assert total["接触者数（累計）"] == str(everyone["persons_contacted"])
    assert total["対象者接触率"] == percent(everyone["persons_contacted"],
                                       everyone["targets"] - everyone["excluded"])
    for header, key in SUMMARY_COLUMNS.items():
        if key != "operators":
            assert total[header] == str(sum(f[key] for f in expected.values())), header
    day_operators = {c.operator for c in centre.results_on(DAY)}
    assert total["稼働オペレーター数"] == str(len(day_operators))
    assert (total["入電件数"], total["応答件数"], total["放棄件数"]) == (
        str(inbound["received"]), str(inbound["answered"]), str(inbound["abandoned"]))
    assert inbound["received"] > 0


@pytest.mark.parametrize("debt_type", ["hoikuryo", "kyushoku"])
async def test_the_per_target_report_is_the_call_list_with_the_days_results(
        centre: Centre, database: Database, debt_type: str) -> None:
    await reports.generate_daily(database, centre.settings, DAY, "kanri")
    settings = centre.settings
    rows = records(csv_rows(list_file(settings, "架電先別結果報告", debt_type, "csv")))
    typed = records(xlsx_rows(list_file(settings, "架電先別結果報告", debt_type, "xlsx")))
    people = file_order(centre, debt_type)
    assert [r["管理番号"] for r in rows] == [p.ref for p in people]  # the file's order
    assert [r["管理番号"] for r in typed] == [p.ref for p in people]
    for row, cells, person in zip(rows, typed, people, strict=True):
        calls = day_calls(centre, person, DAY)
        last = calls[-1] if calls else None
        assert (row["氏名"], row["氏名カナ"]) == (person.name, person.kana)
        assert row["電話番号"] == " / ".join(person.phones)
        assert row["期別"] == "・".join(person.installments)
        assert row["金額"] == str(sum(person.amounts)) and cells["金額"] == sum(person.amounts)
        assert row["納期限"] == min(person.dues).strftime("%Y/%m/%d")
        assert cells["納期限"].date() == min(person.dues)
        assert row["架電回数"] == str(sum(c.direction == "out" for c in calls))
        assert row["折返し件数"] == str(sum(c.direction == "in" for c in calls))
        assert row["架電結果コード"] == (last.code if last else "")
        assert row["架電結果"] == (LABEL[last.code] if last and last.code else "")
        assert row["対応者"] == (last.operator if last else "")
        assert row["区分"] == strongest_mark(calls) == blank(cells["区分"])
        assert row["接触"] == ("○" if any(c.code in CONTACT for c in calls) else "")
        assert row["苦情"] == ("○" if any(c.complaint for c in calls) else "")
        assert row["対話内容・備考"] == "\n".join(c.note for c in calls if c.note)
        assert row["状態"] == status(centre, person, DAY) == cells["状態"]
        assert row["除外理由"] == ("納付済" if row["状態"] == "除外" else "")
        if last is not None:
            seen = last.at.astimezone(settings.tz).replace(tzinfo=None, microsecond=0)
            assert cells["対応日時"] == seen
            assert row["対応日時"] == last.at.astimezone(settings.tz).strftime("%Y/%m/%d %H:%M")


async def test_the_escalation_list_is_exactly_the_marked_rows(
        centre: Centre, database: Database) -> None:
    await reports.generate_daily(database, centre.settings, DAY, "kanri")
    listed = 0
    for debt_type in NAMES:
        for ext, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
            everything = read(list_file(centre.settings, "架電先別結果報告", debt_type, ext))
            escalated = read(list_file(centre.settings, "エスカレーション案件リスト", debt_type,
                                       ext))
            mark = everything[0].index("区分")
            assert escalated[0] == everything[0]  # the same columns
            assert escalated[1:] == [r for r in everything[1:] if r[mark] in ("★", "☆")]
        people = file_order(centre, debt_type)
        marked = [p.ref for p in people if strongest_mark(day_calls(centre, p, DAY))]
        assert [r[0] for r in escalated[1:]] == marked
        listed += len(marked)
    assert listed > 0


async def test_a_rerun_replaces_the_same_files_and_every_run_is_logged(
        centre: Centre, database: Database) -> None:
    settings = centre.settings
    first = await reports.generate_daily(database, settings, DAY, "kanri")
    before = {p: p.read_bytes() for p in first.files if p.suffix == ".csv"}
    second = await reports.generate_daily(database, settings, DAY, "kanri")
    assert first.files == second.files
    assert sorted(daily_dir(settings).iterdir()) == sorted(first.files)  # nothing left behind
    assert {p: p.read_bytes() for p in before} == before
    async with database.engine.connect() as conn:
        logged = (await conn.execute(select(AuditEntry.actor, AuditEntry.object,
                                            AuditEntry.detail)
                                     .where(AuditEntry.action == "report.generate"))).all()
    assert [(a, o) for a, o, _d in logged] == [("kanri", "report:daily")] * 2
    detail = json.loads(logged[0][2])
    assert detail["subject"] == DAY.isoformat() and len(detail["files"]) == 11
    assert f"daily/{DAY:%Y%m%d}/access-log-head_{DAY:%Y%m%d}.txt" in detail["files"]
    personal = [p.ref for p in centre.people] + [p.name for p in centre.people] + \
        [n for p in centre.people for n in p.phones]
    assert not [x for x in personal if x in logged[0][2]]


async def test_a_callback_day_without_calling_still_reports_and_says_so(
        centre: Centre, database: Database) -> None:
    settings, day = centre.settings, date(2027, 2, 2)  # hoikuryo: callbacks until 02-05
    await reports.generate_daily(database, settings, day, "kanri")
    summary = {r["債権名"]: r for r in records(csv_rows(
        daily_dir(settings, day) / f"{day:%Y%m%d}_業務日報.csv"))}
    hoikuryo = summary[NAMES["hoikuryo"]]
    assert hoikuryo["実施状況"] == "架電なし（折返し対応期間中）"
    assert hoikuryo["備考"] == "架電業務なし（折返し対応期間中）、折返し電話なし"
    assert summary[NAMES["kyushoku"]]["実施状況"] == "実施期間外"  # its callbacks ended 01-22
    assert sorted(p.name for p in daily_dir(settings, day).iterdir()) == sorted([
        *(f"{day:%Y%m%d}_{kind}{suffix}.{ext}" for ext in ("csv", "xlsx")
          for kind, suffix in (("業務日報", ""), ("架電先別結果報告", "_保育所等保育料"),
                               ("エスカレーション案件リスト", "_保育所等保育料"))),
        f"access-log-head_{day:%Y%m%d}.txt"])
    person = file_order(centre, "hoikuryo")[3]
    async with database.engine.begin() as conn:
        await conn.execute(insert(Attempt).values(
            id="callback-1", batch_id=await batch_of(conn, person.id), target_id=person.id,
            phase="done", direction="in", result_code="101", operator_id=centre.operators["op2"],
            result_at=local(day, 12).astimezone(UTC), created_at=local(day, 12)))
    await reports.generate_daily(database, settings, day, "kanri")
    summary = {r["債権名"]: r for r in records(csv_rows(
        daily_dir(settings, day) / f"{day:%Y%m%d}_業務日報.csv"))}
    assert summary[NAMES["hoikuryo"]]["備考"] == "架電業務なし（折返し対応期間中）、折返し電話1件"
    assert summary[NAMES["hoikuryo"]]["折返し対応件数"] == "1"
    rows = records(csv_rows(list_file(settings, "架電先別結果報告", "hoikuryo", "csv", day)))
    row = next(r for r in rows if r["管理番号"] == person.ref)
    assert (row["折返し件数"], row["架電回数"], row["架電結果コード"]) == ("1", "0", "101")


OVERRIDE = """
[target_results]
title = "結果一覧"
file = "city/{date}-{debt_type}"
columns = [
  { field = "ref", header = "整理番号" },
  { field = "result", header = "結果" },
  { field = "mark", header = "印" },
]
"""


async def test_the_citys_columns_come_from_a_definitions_file(
        centre: Centre, database: Database, config_file: Path, tmp_path: Path) -> None:
    (tmp_path / "formats.toml").write_text(OVERRIDE, encoding="utf-8")
    with config_file.open("a", encoding="utf-8") as f:
        f.write('\n[reports]\ndefinitions = "formats.toml"\ndaily_at = "07:30"\n')
    settings = config.load(config_file)
    result = await reports.generate_daily(database, settings, DAY, "kanri")
    names = {p.relative_to(settings.paths.outbox_dir).as_posix() for p in result.files}
    assert f"city/{DAY:%Y%m%d}-hoikuryo.csv" in names
    rows = csv_rows(settings.paths.outbox_dir / "city" / f"{DAY:%Y%m%d}-hoikuryo.csv")
    assert rows[0] == ["整理番号", "結果", "印"]
    assert [r[0] for r in rows[1:]] == [p.ref for p in file_order(centre, "hoikuryo")]
    escalated = csv_rows(list_file(settings, "エスカレーション案件リスト", "hoikuryo", "csv"))
    assert escalated[0] == rows[0]  # the list keeps the report's columns
    assert escalated[1:] == [r for r in rows[1:] if r[2]]


async def test_a_day_without_anything_still_has_its_report(
        settings: Settings, database: Database) -> None:
    day = date(2027, 3, 1)
    result = await reports.generate_daily(database, settings, day, "kanri",
                                          now=datetime(2027, 3, 2, tzinfo=UTC))
    assert [p.name for p in result.files] == [f"{day:%Y%m%d}_業務日報.xlsx",
                                              f"{day:%Y%m%d}_業務日報.csv"]
    total = records(csv_rows(result.files[1]))[-1]
    assert total["債権名"] == "合計" and total["架電件数"] == "0"
    cover = xlsx_rows(result.files[0], "概要")
    assert cover[1][:2] == ["対象日", datetime(2027, 3, 1)]


async def test_a_caller_not_identified_keeps_their_note_in_the_daily_report(
        centre: Centre, database: Database) -> None:
    """The note sits on the inbound call (no target); the number they asked to be called
    back on stays in the centre."""
    from openpyxl import load_workbook

    from dialer.adapters.db.models import InboundCallRecord

    at = datetime(2027, 1, 12, 3, 30, tzinfo=UTC)  # 12:30 in Tokyo, on DAY
    async with database.engine.begin() as conn:
        await conn.execute(insert(InboundCallRecord).values(
            id="unknown-1", started_at=at, end="connected", result_code="204",
            note="管理番号不明、通知書を確認して再度電話するとのこと",
            callback_number="09012345678", callback_at=at + timedelta(days=1),
            noted_by="op1"))
    await reports.generate_daily(database, centre.settings, DAY, "kanri")
    book = load_workbook(daily_dir(centre.settings) / f"{DAY:%Y%m%d}_業務日報.xlsx")
    sheet = book[reports.UNIDENTIFIED_SHEET]
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert lines[0][:5] == ["受付日時", "架電結果コード", "架電結果", "メモ", "折返し希望"]
    assert lines[1][1:5] == ["204", "本人確認できず",
                             "管理番号不明、通知書を確認して再度電話するとのこと", "あり"]
    assert lines[1][0] == datetime(2027, 1, 12, 12, 30)
    assert "09012345678" not in str(lines)
    # ... and the summary counts it as a callback handled (本人確認できず), so the report
    # agrees with the callback line's answered calls
    summary = [list(row) for row in book[book.sheetnames[0]].iter_rows(values_only=True)]
    header = next(r for r in summary if "折返し対応（本人確認できず）件数" in r)
    column = header.index("折返し対応（本人確認できず）件数")
    total = next(r for r in summary if r[0] == "合計")
    assert total[column] == 1


async def test_only_callers_not_identified_count_as_unidentified(database: Database) -> None:
    """An identified caller's call is an inbound attempt (its id is the call's); one not
    identified has its result on the call only; an abandoned call has none."""
    from dialer.adapters.db import report_queries
    from dialer.adapters.db.models import InboundCallRecord

    at = datetime(2027, 1, 12, 3, 30, tzinfo=UTC)
    async with database.engine.begin() as conn:
        for call_id, end, code in (("in-1", "connected", "204"), ("in-2", "connected", "101"),
                                   ("in-3", "abandoned", None)):
            await conn.execute(insert(InboundCallRecord).values(
                id=call_id, started_at=at, end=end, result_code=code))
        batch = (await conn.execute(insert(Batch).values(
            debt_type="hoikuryo", month="2027-01", source_name="f.csv", sha256="0" * 64,
            encoding="utf-8", imported_by="t").returning(Batch.id))).scalar_one()
        target = (await conn.execute(insert(Target).values(
            batch_id=batch, ref="R1", name="x", source_row=2).returning(Target.id))).scalar_one()
        await conn.execute(insert(Attempt).values(
            id="in-2", batch_id=batch, target_id=target, phase="done", created_at=at,
            result_code="101", result_at=at, direction="in"))
        day = await report_queries.inbound(conn, at - timedelta(hours=1), at + timedelta(hours=1))
    assert (day.received, day.answered, day.abandoned, day.unidentified) == (3, 2, 1, 1)
