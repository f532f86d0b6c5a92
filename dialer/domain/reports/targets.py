"""The per-target result report (架電先別結果報告, §13(1)イ) and the escalation list
(エスカレーション案件リスト, §13(1)ウ). Pure: one row from one target and its day's results.

* The list is the call list as the city sent it: the batch's targets in the order of the
  city's file (first row of each 管理番号), one row per target, its file's columns rebuilt from
  what the import stored (several rows of one 管理番号 — several 期別 — are joined with ・,
  amounts added up, the earliest 納期限 shown).
* The day's results are appended per the classification: how many outbound calls and callbacks
  had a result that day, the last result (code, label, operator, time), the day's **mark** —
  the strongest ★/☆ among the day's results (★ before ☆) — whether the resident was reached,
  the notes and their flags.
* A target's **status** at the end of the day: 除外 (excluded by then; its reasons shown),
  完了 (finished: ``done`` and no result after that day), else 継続.
* The **escalation list** is exactly the rows of the list whose mark is ★ or ☆
  (``is_escalation``); an escalation flagged by the operator on an unmarked result shows in the
  ``escalation`` column but does not put the row on that list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialer.domain.intake.exclusions import LABELS, ExclusionReason
from dialer.domain.outcomes import Classification, Mark, ResultCode, UnknownResultCode
from dialer.domain.reports.definitions import Cell
from dialer.domain.result_form import TRANSFER_ANSWERS
from dialer.domain.supervision import INBOUND, OUTBOUND

CONTINUING, FINISHED, EXCLUDED = "継続", "完了", "除外"
YES = "○"
JOIN = "・"
MARK_ORDER = (Mark.ESCALATE, Mark.REPORT)


@dataclass(frozen=True)
class DebtLine:
    fiscal_year: int | None
    installment: str | None
    due_date: date | None
    amount: int | None


@dataclass(frozen=True)
class ListedTarget:
    """A target as the import stored it, and its state at the end of the day."""

    id: int
    batch_id: int
    debt_type: str
    month: str
    ref: str
    name: str
    kana: str | None
    source_row: int
    attempts_total: int = 0
    done: bool = False
    results_after: bool = False  # a result recorded after the day
    phones: tuple[str, ...] = ()
    debts: tuple[DebtLine, ...] = ()
    exclusions: tuple[str, ...] = ()  # reasons recorded by the end of the day


@dataclass(frozen=True)
class DayResult:
    """One of the target's results that day, with its call note (if any)."""

    direction: str
    code: str
    at: datetime
    operator: str | None = None
    appointment_at: datetime | None = None
    note: str = ""
    escalation: bool = False
    complaint: bool = False
    residents_voice: bool = False
    account_transfer: str = ""


def _result(table: Classification, code: str) -> ResultCode | None:
    try:
        return table.get(code)
    except UnknownResultCode:  # a code of an older table: shown, never a contact or a mark
        return None


def day_mark(results: Iterable[DayResult], table: Classification) -> str:
    marks = {r.mark for x in results if (r := _result(table, x.code)) is not None}
    return next((str(m) for m in MARK_ORDER if m in marks), "")


def target_status(target: ListedTarget) -> str:
    if target.exclusions:
        return EXCLUDED
    return FINISHED if target.done and not target.results_after else CONTINUING


def is_escalation(row: Mapping[str, Cell]) -> bool:
    """Is this row of the per-target report on the escalation list?"""
    return row.get("mark") in (Mark.ESCALATE.value, Mark.REPORT.value)


def _joined(values: Iterable[object]) -> str | None:
    seen: list[str] = []
    for value in values:
        if value is not None and str(value) not in seen:
            seen.append(str(value))
    return JOIN.join(seen) if seen else None


def _local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Local time to the second (a spreadsheet would round 23:59:59.9999 into the next day)."""
    return at.astimezone(tz).replace(microsecond=0) if at is not None else None


def list_columns(target: ListedTarget, debt_name: str) -> dict[str, Cell]:
    """The call list's own columns, rebuilt from what the import stored."""
    phones = list(target.phones)  # the canonical digits: no guessed grouping
    debts = target.debts
    years = [d.fiscal_year for d in debts]
    dues = sorted(d.due_date for d in debts if d.due_date is not None)
    amounts = [d.amount for d in debts if d.amount is not None]
    return {
        "debt_type": target.debt_type, "debt_name": debt_name, "month": target.month,
        "batch": target.batch_id, "source_row": target.source_row, "ref": target.ref,
        "name": target.name, "kana": target.kana or "",
        "phone": phones[0] if phones else "", "phone2": phones[1] if len(phones) > 1 else "",
        "phone3": phones[2] if len(phones) > 2 else "", "phones": " / ".join(phones),
        "fiscal_year": years[0] if len(set(years)) == 1 else _joined(years),
        "installment": _joined(d.installment for d in debts),
        "due_date": dues[0] if dues else None,
        "due_dates": _joined(d.strftime("%Y/%m/%d") for d in dues),
        "amount": sum(amounts) if amounts else None, "debt_rows": len(debts),
    }


def result_columns(results: Sequence[DayResult], table: Classification, tz: ZoneInfo
                   ) -> dict[str, Cell]:
    """The day's results appended: ``results`` in the order they were recorded."""
    last = results[-1] if results else None
    code = _result(table, last.code) if last is not None else None
    transfer = next((r.account_transfer for r in reversed(results) if r.account_transfer), "")
    contact = any((c := _result(table, r.code)) is not None and c.contact for r in results)
    marked = any((c := _result(table, r.code)) is not None and c.escalation for r in results)
    return {
        "calls": sum(r.direction == OUTBOUND for r in results),
        "callbacks": sum(r.direction == INBOUND for r in results),
        "result_code": last.code if last else "", "result": code.label if code else "",
        "mark": day_mark(results, table), "contact": YES if contact else "",
        "result_at": _local(last.at, tz) if last else None,
        "operator": (last.operator or "") if last else "",
        "appointment_at": _local(last.appointment_at, tz) if last else None,
        "account_transfer": TRANSFER_ANSWERS.get(transfer, transfer),
        "escalation": YES if marked or any(r.escalation for r in results) else "",
        "complaint": YES if any(r.complaint for r in results) else "",
        "residents_voice": YES if any(r.residents_voice for r in results) else "",
        "note": "\n".join(r.note for r in results if r.note),
    }


def exclusion_text(reasons: Iterable[str]) -> str:
    labels = []
    for reason in reasons:
        try:
            labels.append(LABELS[ExclusionReason(reason)])
        except ValueError:
            labels.append(reason)
    return JOIN.join(labels)


def target_row(target: ListedTarget, results: Sequence[DayResult], table: Classification,
               tz: ZoneInfo, debt_name: str) -> dict[str, Cell]:
    """Every field of one row of the per-target report (the definitions pick the columns)."""
    row = list_columns(target, debt_name)
    row.update(result_columns(results, table, tz))
    row.update(attempts_total=target.attempts_total, status=target_status(target),
               exclusion=exclusion_text(target.exclusions))
    return row
