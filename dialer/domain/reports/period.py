"""The monthly (業務月報, §13(2)) and final (業務報告書, §13(3)) reports, folded from days.

Every figure of a period is the sum of the daily report's figures of its days (same
definitions, ``dialer.domain.reports.daily``), so a month always agrees with its daily reports:

* **days worked**: days with at least one outbound call; **operator-days**: the operators on
  duty summed over the days; **operators**: different operators over the whole period;
* **targets, excluded, persons contacted, 対象者接触率, planned calls** (summary, per debt type,
  and per debt type and list month in ``lists``): the lists (batches) whose month lies in the
  period, at the period's end (``dialer.domain.reach``); ``lists`` also gives each list's calls
  and 接触件数率 by the period's end, against its 想定架電件数;
* **results breakdown**: every result of the period per code, outbound and callbacks, with its
  share of all results;
* **residents' voices**: the notes operators tagged as such, oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialer.domain.outcomes import Classification, UnknownResultCode
from dialer.domain.reach import PERSON_CONTACT_RATE_TARGET, Reach, planned_cell, total
from dialer.domain.reports.daily import DailyReport, DayFacts, Figures, add, daily_report
from dialer.domain.reports.definitions import Cell
from dialer.domain.supervision import INBOUND, OUTBOUND, ResultCount, rate

WEEKDAYS = "月火水木金土日"
REMARKS_TITLE = "所感・提案"
YES = "○"

Row = dict[str, Cell]


@dataclass(frozen=True)
class Voice:
    at: datetime
    debt_type: str
    code: str
    note: str


@dataclass(frozen=True)
class PeriodFacts:
    first: date
    last: date
    days: tuple[DayFacts, ...]
    # (debt type, list month) -> its lists' figures at the period's end, planned calls included
    lists: Mapping[tuple[str, str], Reach] = field(default_factory=dict)
    operators: Mapping[str, int] = field(default_factory=dict)  # debt type -> different ones
    operators_total: int = 0
    voices: tuple[Voice, ...] = ()


@dataclass(frozen=True)
class PeriodReport:
    first: date
    last: date
    summary: Row
    tables: Mapping[str, list[Row]]


def _row(figures: Figures, days_worked: int, **extra: Cell) -> Row:
    row = figures.as_row()
    row.update(operator_days=figures.operators, days_worked=days_worked,
               target_rate=PERSON_CONTACT_RATE_TARGET, **extra)
    return row


def reach_cells(reach: Reach) -> Row:
    """対象者接触率 and its parts (an empty rate when nobody is listed)."""
    return {"targets": reach.targets, "excluded": reach.excluded,
            "persons_contacted": reach.contacted,
            "person_contact_rate": reach.person_contact_rate if reach.listed else None,
            "planned_calls": planned_cell(reach.planned_calls)}


def _lists(facts: PeriodFacts, labels: Mapping[str, str]) -> list[Row]:
    order = {code: n for n, code in enumerate(labels)}
    keys = sorted(facts.lists, key=lambda k: (order.get(k[0], len(order)), k[0], k[1]))
    out = []
    for debt_type, month in keys:
        reach = facts.lists[(debt_type, month)]
        out.append({"debt_type": debt_type, "debt_name": labels.get(debt_type, debt_type),
                    "month": month, **reach_cells(reach), "calls": reach.calls,
                    "contacts": reach.contacts,
                    "contact_rate": reach.call_contact_rate if reach.calls else None})
    return out


def _per_debt_type(facts: PeriodFacts, debt_type: str) -> Reach:
    return total(r for (d, _m), r in facts.lists.items() if d == debt_type)


def period_text(first: date, last: date) -> str:
    return f"{first:%Y/%m/%d}～{last:%Y/%m/%d}"


def period_report(facts: PeriodFacts, classification: Classification,
                  labels: Mapping[str, str], tz: ZoneInfo) -> PeriodReport:
    reports = [daily_report(day, classification, labels, {}, {}) for day in facts.days]
    totals = [r.total for r in reports]
    days = [_row(r.total, int(r.total.calls > 0), day=r.day, weekday=WEEKDAYS[r.day.weekday()])
            for r in reports]
    per_debt: dict[str, list[Figures]] = {}
    for report in reports:
        for row in report.rows:
            per_debt.setdefault(row.debt_type, []).append(row)
    order = list(labels) + sorted(set(per_debt) - set(labels))
    debt_rows = []
    for code in order:
        rows = per_debt.get(code, [])
        summed = add(rows, code, labels.get(code, code))
        debt_rows.append(_row(summed, sum(r.calls > 0 for r in rows),
                              operators=facts.operators.get(code, 0),
                              **reach_cells(_per_debt_type(facts, code))))
    all_days = add(totals, "", "")
    summary = _row(all_days, sum(t.calls > 0 for t in totals),
                   period=period_text(facts.first, facts.last), first=facts.first,
                   last=facts.last, operators=facts.operators_total,
                   **reach_cells(total(facts.lists.values())))
    return PeriodReport(facts.first, facts.last, summary, {
        "days": days, "debt_types": debt_rows, "lists": _lists(facts, labels),
        "months": _months(reports),
        "results": breakdown((r for d in facts.days for r in d.results), classification),
        "voices": voices(facts.voices, classification, labels, tz)})


def _months(reports: list[DailyReport]) -> list[Row]:
    by_month: dict[str, list[Figures]] = {}
    for report in reports:
        by_month.setdefault(f"{report.day:%Y-%m}", []).append(report.total)
    return [_row(add(rows, "", ""), sum(r.calls > 0 for r in rows), month=month)
            for month, rows in sorted(by_month.items())]


def breakdown(rows: Iterable[ResultCount], classification: Classification) -> list[Row]:
    """Results per code in the classification's order (codes of an older table last)."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        per = counts.setdefault(row.code, {OUTBOUND: 0, INBOUND: 0})
        per[INBOUND if row.direction == INBOUND else OUTBOUND] += row.count
    total = sum(n for per in counts.values() for n in per.values())
    known = [c.code for c in classification.codes]
    out: list[Row] = []
    for code in known + sorted(set(counts) - set(known)):
        per = counts.get(code, {OUTBOUND: 0, INBOUND: 0})
        try:
            result = classification.get(code)
            label, mark, contact = result.label, str(result.mark), result.contact
        except UnknownResultCode:
            label, mark, contact = "", "", False
        count = per[OUTBOUND] + per[INBOUND]
        out.append({"code": code, "label": label, "mark": mark, "contact": YES if contact else "",
                    "outbound": per[OUTBOUND], "inbound": per[INBOUND], "count": count,
                    "share": rate(count, total)})
    return out


def voices(found: Iterable[Voice], classification: Classification, labels: Mapping[str, str],
           tz: ZoneInfo) -> list[Row]:
    out: list[Row] = []
    for voice in sorted(found, key=lambda v: v.at):
        try:
            label = classification.get(voice.code).label
        except UnknownResultCode:
            label = ""
        local = voice.at.astimezone(tz).replace(microsecond=0)
        out.append({"at": local, "day": local.date(), "debt_type": voice.debt_type,
                    "debt_name": labels.get(voice.debt_type, voice.debt_type),
                    "result_code": voice.code, "result": label, "note": voice.note})
    return out
