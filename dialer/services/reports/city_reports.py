"""The reports for the city, written to the outbox the manager carries to the city's exchange
server (SPEC "Reports", §13): the daily ones for day D (generated every day at
``[reports] daily_at`` on D+1, before the 09:30 deadline, and on demand), the monthly and the
final one on demand.

What each report holds is decided in ``dialer.domain.reports`` (figures, rows, the escalation
filter) and shaped by the report definitions (``[reports] definitions``); SQL is in
``dialer.adapters.db.report_queries``, files in ``dialer.adapters.report_files`` and
``dialer.adapters.report_lists``.

Every generation is recorded in the access log (``report.generate``: which report, which day or
period, the files' names and row counts — no personal data) in the same transaction that swaps
the new files in, so a re-run replaces the same files and a failed one leaves the previous ones.
The daily reports carry the access log's head beside them (``access-log-head_YYYYMMDD.txt``,
see ``audit_anchor``): the city keeps an anchor of the log every day.

One module (about 350 lines): the three kinds of report share their staging, logging and
scheduling; split by kind they would repeat it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from dialer import config
from dialer.adapters.db import audit, reach_figures
from dialer.adapters.db import report_queries as queries
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.report_queries import BatchRow, UnidentifiedCall
from dialer.adapters.report_files import Block, Chart, Staged, write_book
from dialer.adapters.report_lists import ListFile
from dialer.config import Settings
from dialer.domain.reach import contact_codes
from dialer.domain.reports import period as period_rules
from dialer.domain.reports.daily import (
    DailyReport,
    DayPlan,
    TargetCounts,
    batch_in_play,
    daily_report,
)
from dialer.domain.reports.definitions import Cell, Definitions, TableDef, compact, file_stem
from dialer.domain.reports.period import PeriodFacts, PeriodReport, period_report
from dialer.domain.reports.schedule import report_day
from dialer.domain.reports.targets import DayResult, ListedTarget, is_escalation, target_row
from dialer.domain.supervision import day_bounds
from dialer.services.governance import audit_anchor, suspensions
from dialer.services.reports import reach

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "system"
MAX_DAYS = 731  # a final report covers a contract period; beyond two years is a typing mistake


class ReportError(ValueError):
    """The request cannot be reported on (a period backwards or too long, a bad month)."""


@dataclass(frozen=True)
class Generated:
    kind: str
    subject: str  # the day, month or period
    files: list[Path]
    rows: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"report": self.kind, "subject": self.subject,
                "files": [str(f) for f in self.files], "rows": self.rows}


def _labels(settings: Settings) -> dict[str, str]:
    return {d.code: d.name for d in settings.debt_types}


def _out(settings: Settings, out: Path | None) -> Path:
    return out if out is not None else settings.paths.outbox_dir


async def _record(database: Database, staged: Staged, out: Path, actor: str, kind: str,
                  subject: str, rows: dict[str, int],
                  anchor: tuple[Path, datetime] | None = None) -> list[Path]:
    """Swap the files in and log it, in one transaction; with ``anchor`` (file, now) the access
    log's head is written there too (its committed head, before this transaction's rows)."""
    async with database.transaction() as conn:
        if anchor is not None:
            path, taken = anchor
            await audit_anchor.take(conn, lambda: staged.path(path), path.name, actor, taken)
        names = [final.relative_to(out).as_posix() for _t, final in staged.pairs]
        await audit.record(conn, actor, "report.generate", f"report:{kind}", subject=subject,
                           files=names, rows=rows)
        return staged.commit()


# --- daily -------------------------------------------------------------------------------------

async def generate_daily(database: Database, settings: Settings, day: date, actor: str,
                         out: Path | None = None, now: datetime | None = None) -> Generated:
    """業務日報, and per debt type in play that day 架電先別結果報告 and
    エスカレーション案件リスト, for ``day``."""
    await suspensions.ensure_data_allowed(database)  # the city may have halted exports
    root, defs, tz = _out(settings, out), settings.reports.tables, settings.tz
    start, end = day_bounds(day, tz)
    staged = Staged()
    try:
        async with database.connect() as conn:
            active = await _batches_in_play(conn, settings, day, start, end)
            daily = await _daily_figures(conn, settings, day, start, end, active)
            unidentified = await queries.unidentified_calls(conn, start, end)
            _summary_file(staged, root, defs, daily, settings, now or datetime.now(tz),
                          unidentified)
            rows = {"debt_types": len(daily.report.rows)}
            for debt_type, debt_batches in _by_debt_type(active).items():
                listed, escalated = await _target_files(
                    conn, staged, root, settings, day, start, end, debt_type, debt_batches)
                rows[f"targets:{debt_type}"] = listed
                rows[f"escalations:{debt_type}"] = escalated
        anchor = _summary_stem(root, defs, day).parent / audit_anchor.file_name(day)
        files = await _record(database, staged, root, actor, "daily", day.isoformat(), rows,
                              anchor=(anchor, now or datetime.now(tz)))
    finally:
        staged.discard()
    log.info("daily reports for %s: %d files", day, len(files))
    return Generated("daily", day.isoformat(), files, rows)


async def _batches_in_play(conn: Connection, settings: Settings, day: date,
                           start: datetime, end: datetime) -> list[BatchRow]:
    """Batches whose period covers the day (calling or callbacks), or with a result that day."""
    with_results = await queries.batches_with_results(conn, start, end)
    periods = settings.calendar.periods
    return [b for b in await queries.batches(conn)
            if b.id in with_results or batch_in_play(b.debt_type, b.month, day, periods)]


def _by_debt_type(batches: Sequence[BatchRow]) -> dict[str, list[BatchRow]]:
    grouped: dict[str, list[BatchRow]] = {}
    for batch in batches:
        grouped.setdefault(batch.debt_type, []).append(batch)
    return grouped


async def _daily_figures(conn: Connection, settings: Settings, day: date, start: datetime,
                         end: datetime, active: Sequence[BatchRow]) -> _Daily:
    facts = await queries.day_facts(conn, day, start, end)
    ids = [b.id for b in active]
    per_batch = await queries.target_counts(conn, ids, end)
    reached = await reach_figures.reach_counts(conn, ids, contact_codes(settings.classification),
                                               start, end)
    targets: dict[str, TargetCounts] = {}
    for batch in active:
        got = reached[batch.id]
        counts = replace(per_batch.get(batch.id, TargetCounts()), contacted=got.contacted,
                         contacted_today=got.contacted - got.contacted_before)
        targets[batch.debt_type] = targets.get(batch.debt_type, TargetCounts()) + counts
    calendar = config.calendar(settings)
    calling_day = bool(calendar.windows_on(day))
    plans = {d.code: DayPlan(calling=calling_day and calendar.in_calling_period(day, d.code),
                             callbacks=calendar.in_callback_period(day, d.code))
             for d in settings.debt_types}
    return _Daily(daily_report(facts, settings.classification, _labels(settings), targets, plans),
                  period_rules.breakdown(facts.results, settings.classification))


@dataclass(frozen=True)
class _Daily:
    report: DailyReport
    breakdown: list[dict[str, Cell]]  # the day's results per code


def _summary_stem(root: Path, defs: Definitions, day: date) -> Path:
    return root / file_stem(defs.daily_summary.file, date=compact(day))


def _summary_file(staged: Staged, root: Path, defs: Definitions, daily: _Daily,
                  settings: Settings, now: datetime,
                  unidentified: Sequence[UnidentifiedCall] = ()) -> None:
    report = daily.report
    table = defs.daily_summary
    stem = _summary_stem(root, defs, report.day)
    listing = ListFile(staged, stem, table.title, table.headers)
    try:
        for row in (*report.rows, report.total):
            listing.add(table.cells(row.as_row()))
        cover: list[list[Cell]] = [
            [table.title], ["対象日", report.day], ["センター", settings.centre.name],
            ["作成日時", now.astimezone(settings.tz).replace(microsecond=0)], []]
        cover += [[note] for note in report.notes]
        cover += [[], ["架電結果コード", "架電結果", "区分", "架電", "折返し", "件数"]]
        cover += [[b["code"], b["label"], b["mark"], b["outbound"], b["inbound"], b["count"]]
                  for b in daily.breakdown if b["count"]]
        listing.add_sheet("概要", cover)
        listing.add_sheet(UNIDENTIFIED_SHEET, _unidentified_lines(unidentified, settings))
    finally:
        listing.close()


UNIDENTIFIED_SHEET = "本人確認できなかった着信"


def _unidentified_lines(calls: Sequence[UnidentifiedCall], settings: Settings
                        ) -> list[list[Cell]]:
    """The day's callers not identified: the operator's note and any call back asked for
    (the number stays in the centre)."""
    labels = {c.code: c.label for c in settings.classification.codes}

    def local(at: datetime | None) -> Cell:
        return at.astimezone(settings.tz).replace(microsecond=0, tzinfo=None) if at else ""
    lines: list[list[Cell]] = [["受付日時", "架電結果コード", "架電結果", "メモ", "折返し希望",
                                "希望日時"]]
    lines += [[local(c.started_at), c.result_code, labels.get(c.result_code, ""), c.note,
               "あり" if c.call_back else "", local(c.call_back_at)] for c in calls]
    return lines


async def _target_files(conn: Connection, staged: Staged, root: Path, settings: Settings,
                        day: date, start: datetime, end: datetime, debt_type: str,
                        batches: Sequence[BatchRow]) -> tuple[int, int]:
    """The per-target report and its escalation list for one debt type, in one pass."""
    defs = settings.reports.tables
    results_def, escalations_def = defs.target_results, defs.escalation_table()
    name = _labels(settings).get(debt_type, debt_type)
    names = {"date": compact(day), "debt_type": debt_type, "debt_name": name}
    listing = _list_file(staged, root, results_def, names)
    escalations = _list_file(staged, root, escalations_def, names)

    def write(page: list[tuple[ListedTarget, list[DayResult]]]) -> None:
        for target, results in page:
            row = target_row(target, results, settings.classification, settings.tz, name)
            listing.add(results_def.cells(row))
            if is_escalation(row):
                escalations.add(escalations_def.cells(row))

    try:
        for batch in batches:
            async for page in queries.listed_targets(conn, batch, start, end):
                # rows and files are CPU work: off the event loop, one page at a time
                await asyncio.to_thread(write, page)
    finally:
        listing.close()
        escalations.close()
    return listing.rows, escalations.rows


def _list_file(staged: Staged, root: Path, table: TableDef, names: dict[str, str]) -> ListFile:
    return ListFile(staged, root / file_stem(table.file, **names), table.title, table.headers)


# --- monthly and final -------------------------------------------------------------------------

def month_days(month: str) -> tuple[date, date]:
    try:
        first = datetime.strptime(month.strip(), "%Y-%m").date()
    except ValueError:
        raise ReportError(f"month must be YYYY-MM, got {month!r}") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


async def generate_monthly(database: Database, settings: Settings, month: str, actor: str,
                           out: Path | None = None, now: datetime | None = None) -> Generated:
    """業務月報 for ``month`` (YYYY-MM)."""
    await suspensions.ensure_data_allowed(database)
    first, last = month_days(month)
    stem = file_stem(settings.reports.tables.monthly.file, month=first.strftime("%Y%m"))
    return await _period(database, settings, "monthly", first, last, stem, actor, out, now)


async def generate_final(database: Database, settings: Settings, first: date, last: date,
                         actor: str, out: Path | None = None, now: datetime | None = None
                         ) -> Generated:
    """業務報告書 for the days ``first`` .. ``last`` (inclusive)."""
    await suspensions.ensure_data_allowed(database)
    if last < first:
        raise ReportError("the last day must be on or after the first day")
    if (last - first).days >= MAX_DAYS:
        raise ReportError(f"at most {MAX_DAYS} days at once")
    stem = file_stem(settings.reports.tables.final.file, **{"from": compact(first),
                                                             "to": compact(last)})
    return await _period(database, settings, "final", first, last, stem, actor, out, now)


async def _period(database: Database, settings: Settings, kind: str, first: date, last: date,
                  stem: str, actor: str, out: Path | None, now: datetime | None) -> Generated:
    root, tz = _out(settings, out), settings.tz
    async with database.connect() as conn:
        facts = await period_facts(conn, settings, first, last)
    report = period_report(facts, settings.classification, _labels(settings), tz)
    definition = getattr(settings.reports.tables, kind)
    cover: list[tuple[str, Cell]] = [
        ("対象期間", period_rules.period_text(first, last)), ("センター", settings.centre.name),
        ("作成日時", (now or datetime.now(tz)).astimezone(tz).replace(microsecond=0))]
    staged = Staged()
    try:
        write_book(staged, root / stem, definition.title,
                   period_blocks(report, settings.reports.tables, definition.tables,
                                 definition.remarks), cover)
        subject = f"{first.isoformat()}..{last.isoformat()}"
        rows = {"days": len(report.tables["days"]), "voices": len(report.tables["voices"])}
        files = await _record(database, staged, root, actor, kind, subject, rows)
    finally:
        staged.discard()
    log.info("%s report for %s..%s: %d files", kind, first, last, len(files))
    return Generated(kind, subject, files, rows)


async def period_facts(conn: Connection, settings: Settings, first: date, last: date
                       ) -> PeriodFacts:
    """Every day's figures (the daily report's queries, day by day: a month always agrees
    with its daily reports), and what only the whole period can tell: its operators, the
    residents' voices, and the lists of its months at its end (対象者接触率)."""
    tz = settings.tz
    days = []
    day = first
    while day <= last:
        start, end = day_bounds(day, tz)
        days.append(await queries.day_facts(conn, day, start, end))
        day += timedelta(days=1)
    start, end = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
    operators, total = await queries.period_operators(conn, start, end)
    months = {f"{d.day:%Y-%m}" for d in days}
    lists = await reach.list_reach(
        conn, settings, [b for b in await queries.batches(conn) if b.month in months], last)
    return PeriodFacts(first, last, tuple(days), reach.by_list_month(settings, lists),
                       operators, total, tuple(await queries.voices(conn, start, end)))


CHARTS = {  # table -> (kind, title, value field, category fields in order of preference)
    "days": ("line", "接触件数率（日別）", "contact_rate", ("day",)),
    "months": ("line", "接触件数率（月別）", "contact_rate", ("month",)),
    "results": ("bar", "架電結果の内訳", "count", ("label", "code")),
}


def _chart(name: str, table: TableDef) -> Chart | None:
    if name not in CHARTS:
        return None
    kind, title, value, categories = CHARTS[name]
    fields = [c.field for c in table.columns]
    category = next((c for c in categories if c in fields), None)
    if value not in fields or category is None:
        return None
    return Chart(kind, title, fields.index(value), fields.index(category),
                 percent=value == "contact_rate")


def period_blocks(report: PeriodReport, defs: Definitions, tables: Sequence[str],
                  remarks: Sequence[str]) -> list[Block]:
    blocks = []
    for name in tables:
        if name == "remarks":
            blocks.append(Block(period_rules.REMARKS_TITLE, headings=tuple(remarks)))
        elif name == "summary":
            table = defs.tables["summary"]
            blocks.append(Block(table.title, pairs=tuple(
                (c.header, report.summary.get(c.field)) for c in table.columns)))
        else:
            table = defs.tables[name]
            blocks.append(Block(table.title, tuple(table.headers),
                                tuple(tuple(table.cells(r)) for r in report.tables[name]),
                                chart=_chart(name, table)))
    return blocks


# --- the scheduled job -------------------------------------------------------------------------

class DailyScheduler(Protocol):
    def daily(self, name: str, hour: int, minute: int, job: Callable[[], Any]) -> None: ...


JOB_NAME = "daily-reports"


async def run_daily(database: Database, settings: Callable[[], Settings],
                    clock: Callable[[], datetime]) -> Generated:
    """The scheduled job: the daily reports of the day before ``clock()`` (centre time). A run
    that fails is recorded in the access log (``report.failed``: the day and the error's kind
    and text) and raised again."""
    current = settings()
    day = report_day(clock(), current.tz)
    try:
        return await generate_daily(database, current, day, SYSTEM_ACTOR, now=clock())
    except Exception as exc:
        await _record_failure(database, day, exc)
        raise


async def _record_failure(database: Database, day: date, exc: Exception) -> None:
    try:
        async with database.transaction() as conn:
            await audit.record(conn, SYSTEM_ACTOR, "report.failed", "report:daily",
                               subject=day.isoformat(), error=type(exc).__name__,
                               why=str(exc)[:200])
    except Exception:  # the database itself is down: the log line below is all there is
        log.exception("the daily reports of %s failed; the failure could not be logged", day)


def schedule_daily(scheduler: DailyScheduler, database: Database,
                   settings: Callable[[], Settings], clock: Callable[[], datetime]) -> None:
    """Register ``run_daily`` at ``[reports] daily_at`` (centre time) every day."""
    at = settings().reports.daily_time

    async def job() -> None:
        await run_daily(database, settings, clock)

    scheduler.daily(JOB_NAME, at.hour, at.minute, job)
