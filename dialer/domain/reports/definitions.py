"""The reports' shapes as data: which fields, in which order, under which Japanese headers,
with which titles and file names — so the city's formats are matched without code changes.

The defaults are ``definitions.toml`` beside this module; ``[reports] definitions = FILE`` in
the configuration names a file of the same shape whose sections replace the defaults' sections
of the same name (a file holding only ``[target_results]`` changes that report alone). Every
problem of a file is listed at once (``parse``).

A report's ``file`` is its path inside the outbox without the extension (``.xlsx`` and ``.csv``
are added), with placeholders: ``{date}`` (YYYYMMDD), ``{debt_type}`` (code), ``{debt_name}``
(the city's name) for the daily reports, ``{month}`` (YYYYMM) for the monthly one, ``{from}``
and ``{to}`` (YYYYMMDD) for the final one. Sub-folders are allowed, leaving the outbox is not.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

Cell = str | int | float | date | datetime | None

# --- the fields a report may show (field -> what it is) ---------------------------------------

DAILY_FIELDS = {
    "debt_type": "debt type code", "debt_name": "debt type name",
    "status": "the day for this debt type: calling, callbacks only, outside the periods",
    "remark": "what the city must read (e.g. no calling, no callbacks)",
    "targets": "targets listed in the batches in play that day",
    "in_play": "of those, neither finished nor excluded at the end of the day",
    "excluded": "of those, excluded by the end of the day",
    "calls": "outbound calls with a result that day", "contacts": "calls that reached the resident",
    "contact_rate": "接触件数率: contacts / calls",
    "persons_contacted": "targets (not excluded) reached at least once by the end of the day",
    "persons_new": "of those, reached for the first time that day",
    "person_contact_rate": "対象者接触率: persons contacted / (targets - excluded)",
    "promises": "payment promises (outbound or callback)",
    "escalations": "results marked ★/☆ or flagged as escalation",
    "complaints": "calls whose note is flagged as a complaint",
    "callbacks": "identified callers' calls with a result that day",
    "conversations": "contacts + callbacks", "escalation_rate": "escalations / conversations",
    "operators": "operators with a result that day",
    "inbound_received": "calls to the dedicated number (centre-wide, total row)",
    "inbound_answered": "of those, connected to an operator",
    "inbound_abandoned": "of those, hung up while waiting",
    "inbound_messages": "of those, ended after an out-of-hours/out-of-period message",
    "inbound_unidentified": "callers answered whose identity could not be confirmed, with a "
                            "result (on the call, no target; centre-wide, total row)",
}
TARGET_FIELDS = {
    "debt_type": "debt type code", "debt_name": "debt type name", "month": "the batch's month",
    "batch": "the batch (import) number", "source_row": "row number in the city's file",
    "ref": "管理番号", "name": "氏名", "kana": "氏名カナ",
    "phone": "first telephone number", "phone2": "second number", "phone3": "third number",
    "phones": "every number, in file order",
    "fiscal_year": "年度 (several joined by ・)", "installment": "期別 (several joined by ・)",
    "due_date": "the earliest 納期限", "due_dates": "every 納期限", "amount": "金額 (total)",
    "debt_rows": "rows of the file for this target",
    "calls": "outbound calls with a result that day", "callbacks": "callbacks that day",
    "result_code": "the day's last result code", "result": "its label",
    "mark": "the day's strongest mark (★ before ☆)", "contact": "○ when reached that day",
    "result_at": "time of the day's last result", "operator": "its operator (login)",
    "appointment_at": "the agreed time to call again",
    "account_transfer": "answer to the account-transfer recommendation",
    "escalation": "○ when a result that day is an escalation (★/☆ or flagged)",
    "complaint": "○ when a note that day is a complaint",
    "residents_voice": "○ when a note that day is a resident's voice",
    "note": "the day's notes", "attempts_total": "outbound calls so far",
    "status": "継続 / 完了 / 除外 at the end of the day", "exclusion": "exclusion reasons",
}
PERIOD_FIGURES = {
    "calls": "outbound calls with a result", "contacts": "calls that reached the resident",
    "contact_rate": "接触件数率: contacts / calls",
    "target_rate": "the 対象者接触率 target (70%, SPEC §6(3))",
    "promises": "payment promises", "escalations": "escalations",
    "escalation_rate": "escalations / conversations", "conversations": "contacts + callbacks",
    "complaints": "complaints", "callbacks": "identified callers' calls with a result",
    "inbound_received": "calls to the dedicated number", "inbound_answered": "connected",
    "inbound_abandoned": "hung up while waiting", "inbound_messages": "heard a message",
    "inbound_unidentified": "callers not identified, with a result",
    "days_worked": "days with calls", "operator_days": "operators on duty, summed over days",
    "operators": "different operators over the period",
}
REACH_FIGURES = {  # of the lists of the period's months, at the end of the period
    "targets": "targets listed", "excluded": "of those, excluded",
    "persons_contacted": "targets (not excluded) reached at least once",
    "person_contact_rate": "対象者接触率: persons contacted / (targets - excluded)",
    "planned_calls": "想定架電件数 ([planned_calls]; 未設定 when not configured)",
}
TABLE_FIELDS: dict[str, dict[str, str]] = {
    "summary": {"period": "the period covered", "first": "its first day", "last": "its last day",
                **PERIOD_FIGURES, **REACH_FIGURES},
    "debt_types": {"debt_type": "code", "debt_name": "name", **PERIOD_FIGURES, **REACH_FIGURES},
    "lists": {"debt_type": "code", "debt_name": "name", "month": "the list's month (YYYY-MM)",
              **REACH_FIGURES, "calls": "outbound calls to the list by the period's end",
              "contacts": "of those, contacts", "contact_rate": "接触件数率: contacts / calls"},
    "days": {"day": "the day", "weekday": "曜日", **PERIOD_FIGURES},
    "months": {"month": "YYYY-MM", **PERIOD_FIGURES},
    "results": {"code": "result code", "label": "its label", "mark": "★/☆",
                "contact": "○ when it counts as a contact", "outbound": "on outbound calls",
                "inbound": "on callbacks", "count": "both", "share": "share of all results"},
    "voices": {"at": "when", "day": "the day", "debt_type": "code", "debt_name": "name",
               "result_code": "the call's result code", "result": "its label",
               "note": "what the resident said (the operator's note)"},
}
PERIOD_TABLES = ("summary", *(t for t in TABLE_FIELDS if t != "summary"), "remarks")
DAILY_PLACEHOLDERS = frozenset({"date", "debt_type", "debt_name"})
PLACEHOLDERS = {
    "daily_summary": frozenset({"date"}),
    "target_results": DAILY_PLACEHOLDERS,
    "escalations": DAILY_PLACEHOLDERS,
    "monthly": frozenset({"month"}),
    "final": frozenset({"from", "to"}),
}
_UNSAFE = re.compile(r'[\\:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Column:
    field: str
    header: str


@dataclass(frozen=True)
class TableDef:
    """A list report (daily) or one table of a period report: its title and columns."""

    title: str
    columns: tuple[Column, ...]
    file: str = ""  # the daily reports' file name pattern ("" for a period report's table)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def cells(self, row: Mapping[str, Cell]) -> list[Cell]:
        return [row.get(c.field) for c in self.columns]


@dataclass(frozen=True)
class PeriodDef:
    """The monthly or final report: its title, file, the tables in order (sheets), and the
    headings of the space left for the manager's own words."""

    title: str
    file: str
    tables: tuple[str, ...]
    remarks: tuple[str, ...]


@dataclass(frozen=True)
class Definitions:
    daily_summary: TableDef
    target_results: TableDef
    escalations: TableDef  # no columns of its own: the target results' ones
    monthly: PeriodDef
    final: PeriodDef
    tables: Mapping[str, TableDef]  # the period reports' tables by name

    def escalation_table(self) -> TableDef:
        """The escalation list: its title and file, the target results' columns unless it
        names its own."""
        return replace(self.escalations,
                       columns=self.escalations.columns or self.target_results.columns)


# --- parsing ---------------------------------------------------------------------------------

LIST_REPORTS = {"daily_summary": DAILY_FIELDS, "target_results": TARGET_FIELDS,
                "escalations": TARGET_FIELDS}
SECTIONS = (*LIST_REPORTS, "monthly", "final", "tables")


def parse(data: Mapping[str, Any], base: Definitions | None = None
          ) -> tuple[Definitions | None, list[str]]:
    """The definitions in ``data`` (a parsed TOML document) laid over ``base``; with no base
    every section is required. Returns (definitions or None, every problem)."""
    problems = [f"[{k}]: unknown section (known: {', '.join(SECTIONS)})"
                for k in data if k not in SECTIONS]
    found: dict[str, Any] = {}
    for name, fields in LIST_REPORTS.items():
        if name in data:
            found[name] = _table(data[name], name, fields, problems, list_report=True)
    for name in ("monthly", "final"):
        if name in data:
            found[name] = _period(data[name], name, problems)
    tables = dict(base.tables) if base is not None else {}
    raw_tables = data.get("tables", {})
    if not isinstance(raw_tables, dict):
        problems.append("[tables]: a table of [tables.NAME] sections")
        raw_tables = {}
    for name, raw in raw_tables.items():
        if name not in TABLE_FIELDS:
            problems.append(f"[tables.{name}]: unknown table (known: {', '.join(TABLE_FIELDS)})")
            continue
        tables[name] = _table(raw, f"tables.{name}", TABLE_FIELDS[name], problems)
    if base is None:
        missing = [s for s in (*LIST_REPORTS, "monthly", "final") if s not in data]
        missing += [f"tables.{t}" for t in TABLE_FIELDS if t not in tables]
        problems.extend(f"[{m}]: missing" for m in missing)
    if problems:
        return None, problems
    if base is None:
        return Definitions(tables=tables, **found), []
    return replace(base, tables=tables, **found), []


def _table(raw: Any, where: str, fields: Mapping[str, str], problems: list[str], *,
           list_report: bool = False) -> TableDef:
    if not isinstance(raw, dict):
        problems.append(f"[{where}]: must be a table")
        return TableDef("", ())
    allowed = {"title", "columns", *(("file",) if list_report else ())}
    problems.extend(f"{where}.{k}: unknown key" for k in sorted(set(raw) - allowed))
    title = _text(raw, "title", where, problems)
    file = _pattern(raw, where, problems) if list_report else ""
    columns = _columns(raw.get("columns"), where, fields, problems,
                       optional=where == "escalations")
    return TableDef(title, columns, file)


def _text(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}.{key}: a non-empty text")
        return ""
    return value.strip()


def _columns(raw: Any, where: str, fields: Mapping[str, str], problems: list[str], *,
             optional: bool = False) -> tuple[Column, ...]:
    if raw is None and optional:
        return ()
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}.columns: a list of {{ field = \"…\", header = \"…\" }}")
        return ()
    columns = []
    for index, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or set(entry) != {"field", "header"} \
                or not isinstance(entry["header"], str) or not entry["header"].strip():
            problems.append(f"{where}.columns[{index}]: {{ field = \"…\", header = \"…\" }}")
        elif entry["field"] not in fields:
            problems.append(f"{where}.columns[{index}]: unknown field {entry['field']!r} "
                            f"(known: {', '.join(fields)})")
        else:
            columns.append(Column(entry["field"], entry["header"].strip()))
    return tuple(columns)


def _period(raw: Any, where: str, problems: list[str]) -> PeriodDef:
    if not isinstance(raw, dict):
        problems.append(f"[{where}]: must be a table")
        return PeriodDef("", "", (), ())
    problems.extend(f"{where}.{k}: unknown key"
                    for k in sorted(set(raw) - {"title", "file", "tables", "remarks"}))
    tables = raw.get("tables")
    if not isinstance(tables, list) or not tables or not all(t in PERIOD_TABLES for t in tables):
        problems.append(f"{where}.tables: a list of {', '.join(PERIOD_TABLES)}")
        tables = []
    remarks = raw.get("remarks", [])
    if not isinstance(remarks, list) or not all(isinstance(r, str) and r for r in remarks):
        problems.append(f"{where}.remarks: a list of headings")
        remarks = []
    return PeriodDef(_text(raw, "title", where, problems), _pattern(raw, where, problems),
                     tuple(tables), tuple(remarks))


def _pattern(raw: Mapping[str, Any], where: str, problems: list[str]) -> str:
    pattern = _text(raw, "file", where, problems)
    if pattern:
        problems.extend(f"{where}.file: {p}" for p in pattern_problems(
            pattern, PLACEHOLDERS[where]))
    return pattern


def pattern_problems(pattern: str, allowed: frozenset[str]) -> list[str]:
    """What is wrong with a file name pattern (placeholders, leaving the outbox)."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern)
                 if name is not None}
    except ValueError as exc:
        return [f"{pattern!r}: {exc}"]
    problems = [f"unknown placeholder {{{n}}} (known: {', '.join(sorted(allowed))})"
                for n in sorted(names - allowed)]
    parts = pattern.split("/")
    if pattern.startswith("/") or any(p in ("", ".", "..") for p in parts):
        problems.append(f"{pattern!r}: a relative path inside the outbox (no '..', no '//')")
    if _UNSAFE.search(pattern):
        problems.append(f"{pattern!r}: no \\ : * ? \" < > | in file names")
    return problems


def file_stem(pattern: str, **values: str) -> str:
    """The pattern filled in; values cannot add folders or unsafe characters."""
    safe = {k: _UNSAFE.sub("_", v).replace("/", "_") for k, v in values.items()}
    return pattern.format(**safe)


def compact(day: date) -> str:
    return day.strftime("%Y%m%d")
