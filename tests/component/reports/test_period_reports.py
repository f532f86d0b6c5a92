"""The monthly (業務月報) and final (業務報告書) reports: every table read back from .xlsx and
the CP932 CSV and checked against the test's own count; native charts; room for the manager."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import openpyxl
import pytest
from openpyxl.chart import BarChart, LineChart

from dialer.adapters.db.engine import Database
from dialer.services.reports import city_reports as reports
from dialer.services.reports.city_reports import ReportError
from tests.component.reports.centre import (
    CONTACT,
    DAY,
    MARK,
    Centre,
    expected_reach,
    expected_summary,
    local,
)
from tests.component.reports.readback import csv_rows, records, sections, xlsx_rows

JANUARY = [date(2027, 1, d) for d in range(1, 32)]
NAMES = {"hoikuryo": "保育所等保育料", "kyushoku": "公立保育所等給食費"}
PLANNED = {"hoikuryo": 150, "kyushoku": "未設定"}  # [planned_calls] of the centre's file


def check_lists(rows: list[dict[str, object]], expected: dict[str, Counter[str]]) -> None:
    """債権別・月別: one row per debt type and list month, against the record's count."""
    assert [(r["債権名"], r["月"]) for r in rows] == [(n, "2027-01") for n in NAMES.values()]
    for row, (debt_type, _name) in zip(rows, NAMES.items(), strict=True):
        people = expected[debt_type]
        assert (row["対象件数"], row["除外件数"], row["接触者数"], row["架電件数"],
                row["接触件数"]) == (people["targets"], people["excluded"],
                                     people["persons_contacted"], people["calls"],
                                     people["contacts"])
        assert row["対象者接触率"] == pytest.approx(
            people["persons_contacted"] / (people["targets"] - people["excluded"]))
        assert row["接触件数率"] == pytest.approx(people["contacts"] / people["calls"])
        assert row["想定架電件数"] == PLANNED[debt_type]


def day_figures(centre: Centre, day: date) -> Counter[str]:
    figures: Counter[str] = Counter()
    for call in centre.results_on(day):
        out = call.direction == "out"
        figures["calls"] += out
        figures["contacts"] += out and call.code in CONTACT
        figures["callbacks"] += not out
        figures["promises"] += call.code == "101"
        figures["escalations"] += bool(MARK.get(call.code or "")) or call.escalation
        figures["complaints"] += call.complaint
    return figures


async def test_the_monthly_report_adds_up_its_days(centre: Centre, database: Database) -> None:
    result = await reports.generate_monthly(database, centre.settings, "2027-01", "kanri")
    book_path, csv_path = result.files
    assert (book_path.name, csv_path.name) == ("202701_業務月報.xlsx", "202701_業務月報.csv")
    days = records(xlsx_rows(book_path, "日別"))
    assert [d["日付"].date() for d in days] == JANUARY
    worked = 0
    for row, day in zip(days, JANUARY, strict=True):
        expected = day_figures(centre, day)
        worked += expected["calls"] > 0
        assert (row["架電件数"], row["接触件数"], row["納付約束件数"], row["エスカレーション件数"],
                row["苦情件数"], row["折返し対応件数"]) == (
            expected["calls"], expected["contacts"], expected["promises"],
            expected["escalations"], expected["complaints"], expected["callbacks"]), day
        if expected["calls"]:
            assert row["接触件数率"] == pytest.approx(expected["contacts"] / expected["calls"])
        else:
            assert row["接触件数率"] is None  # no calls: no rate, a gap in the chart
    assert worked == 3
    month = sum((day_figures(centre, d) for d in JANUARY), Counter())
    summary = {r[0]: r[1] for r in xlsx_rows(book_path, "架電実績") if r[0]}
    assert summary["架電件数"] == month["calls"] and summary["接触件数"] == month["contacts"]
    rate = month["contacts"] / month["calls"]
    assert summary["接触件数率（接触件数÷架電件数）"] == pytest.approx(rate)
    # 対象者接触率 at the month's end, person by person from the record
    people = sum(expected_reach(centre, local(date(2027, 2, 1), 0)).values(), Counter())
    assert (summary["対象者数"], summary["除外件数"], summary["接触者数"]) == (
        people["targets"], people["excluded"], people["persons_contacted"])
    assert summary["対象者接触率（接触者数÷（対象者数－除外件数））"] == pytest.approx(
        people["persons_contacted"] / (people["targets"] - people["excluded"]))
    assert summary["対象者接触率の目標"] == 0.7
    assert summary["想定架電件数"] == 150  # kyushoku's is not configured
    check_lists(records(xlsx_rows(book_path, "債権別・月別 対象者接触率")),
                expected_reach(centre, local(date(2027, 2, 1), 0)))
    conversations = month["contacts"] + month["callbacks"]
    assert summary["エスカレーション率"] == pytest.approx(month["escalations"] / conversations)
    assert summary["架電実施日数"] == worked
    assert summary["稼働オペレーター数（実人数）"] == len(
        {c.operator for d in JANUARY for c in centre.results_on(d)})
    per_debt = {r["債権名"]: r for r in records(xlsx_rows(book_path, "債権別"))}
    for debt_type, name in (("hoikuryo", "保育所等保育料"), ("kyushoku", "公立保育所等給食費")):
        calls = sum(c.direction == "out" for d in JANUARY for c in centre.results_on(d)
                    if c.person.debt_type == debt_type)
        assert per_debt[name]["架電件数"] == calls
        assert per_debt[name]["対象件数"] == sum(p.debt_type == debt_type
                                             for p in centre.people)
        reached = expected_reach(centre, local(date(2027, 2, 1), 0))[debt_type]
        assert per_debt[name]["接触者数"] == reached["persons_contacted"]
        assert per_debt[name]["対象者接触率"] == pytest.approx(
            reached["persons_contacted"] / (reached["targets"] - reached["excluded"]))
        assert per_debt[name]["想定架電件数"] == PLANNED[debt_type]
    codes = Counter(c.code for d in JANUARY for c in centre.results_on(d))
    breakdown = {r["架電結果コード"]: r for r in records(xlsx_rows(book_path, "結果内訳"))}
    assert {k: v["件数"] for k, v in breakdown.items() if v["件数"]} == dict(codes)
    assert sum(v["構成比"] for v in breakdown.values()) == pytest.approx(1.0)
    voices = records(xlsx_rows(book_path, "市民の声"))
    tagged = sorted((c for d in JANUARY for c in centre.results_on(d) if c.voice),
                    key=lambda c: c.at)
    assert [v["内容"] for v in voices] == [c.note for c in tagged] and tagged
    # the same figures in the CSV, section by section
    parts = sections(csv_rows(csv_path))
    assert dict((k, v) for k, v, *_ in parts["架電実績"])["架電件数"] == str(month["calls"])
    assert [r[2] for r in parts["日別"][1:]] == [str(d["架電件数"]) for d in days]
    assert set(parts) == {"架電実績", "債権別", "債権別・月別 対象者接触率", "日別", "結果内訳",
                          "市民の声", "所感・提案"}
    assert [r[0] for r in parts["所感・提案"]] == ["所感・特記事項", "業務改善の提案"]


async def test_the_day_in_the_month_is_the_daily_reports_total(
        centre: Centre, database: Database) -> None:
    daily = await reports.generate_daily(database, centre.settings, DAY, "kanri")
    monthly = await reports.generate_monthly(database, centre.settings, "2027-01", "kanri")
    total = records(csv_rows(next(p for p in daily.files if p.name.endswith("業務日報.csv"))))[-1]
    row = next(r for r in records(xlsx_rows(monthly.files[0], "日別"))
               if r["日付"].date() == DAY)
    expected = expected_summary(centre, DAY)
    assert row["架電件数"] == int(total["架電件数"]) == sum(f["calls"] for f in expected.values())
    assert row["エスカレーション件数"] == int(total["エスカレーション件数"])


async def test_the_reports_charts_are_native_excel_charts(
        centre: Centre, database: Database) -> None:
    result = await reports.generate_monthly(database, centre.settings, "2027-01", "kanri")
    book = openpyxl.load_workbook(result.files[0])
    assert [type(c) for c in book["日別"]._charts] == [LineChart]
    assert [type(c) for c in book["結果内訳"]._charts] == [BarChart]
    headings = [book["所感・提案"].cell(row=r, column=1).value for r in (1, 13)]
    assert headings == ["所感・特記事項", "業務改善の提案"]


async def test_the_final_report_covers_the_contract_period_month_by_month(
        centre: Centre, database: Database) -> None:
    first, last = date(2026, 12, 1), date(2027, 2, 28)
    result = await reports.generate_final(database, centre.settings, first, last, "kanri")
    assert [p.name for p in result.files] == ["20261201-20270228_業務報告書.xlsx",
                                              "20261201-20270228_業務報告書.csv"]
    months = records(xlsx_rows(result.files[0], "月別"))
    assert [m["月"] for m in months] == ["2026-12", "2027-01", "2027-02"]
    january = sum((day_figures(centre, d) for d in JANUARY), Counter())
    assert [m["架電件数"] for m in months] == [0, january["calls"], 0]
    assert months[1]["エスカレーション率"] == pytest.approx(
        january["escalations"] / (january["contacts"] + january["callbacks"]))
    assert len(records(xlsx_rows(result.files[0], "日別"))) == (last - first).days + 1
    check_lists(records(xlsx_rows(result.files[0], "債権別・月別 対象者接触率")),
                expected_reach(centre, local(last + timedelta(days=1), 0)))
    book = openpyxl.load_workbook(result.files[0])
    assert book.sheetnames[-1] == "所感・提案"
    with pytest.raises(ReportError):
        await reports.generate_final(database, centre.settings, last, first, "kanri")
    with pytest.raises(ReportError):
        await reports.generate_final(database, centre.settings, first,
                                     first + timedelta(days=800), "kanri")
    with pytest.raises(ReportError):
        await reports.generate_monthly(database, centre.settings, "2027-13", "kanri")
