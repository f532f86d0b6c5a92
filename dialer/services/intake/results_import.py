"""Entering results made outside the system — the paper fallback's (SPEC §9(6)) — into one batch,
in one transaction (``dialer results import``, managers only).

Each good row becomes the attempt an operator's result would have made (same tables, same
next-call plan: a payment promise or an ending code finishes the target; an outbound call counts
towards the target's calls), marked ``source = 'paper'``, with its note, and its own line in the
access log (ids and the code only). So the board, the call list and every report count it.

Rows are checked by ``dialer.domain.intake.paper_results``; here each is matched against the
batch: its 管理番号 must be in it, its 担当 (if any) an active account, and its target must have
no call in that same minute already — recorded before (importing a file twice records nothing
the second time) or earlier in the file. Every bad row is reported at once with its row number
(and in the error report under ``DATA_DIR/intake-errors/``); a bad row writes nothing, the good
ones are recorded — or, with ``strict``, nothing is. A row already recorded is not a mistake in
the file: it is counted as such and skipped, strict or not.

Rows are written in time order. A paper result older than a result the dialer already has for
its target does not undo the plan the newer one made, unless it finishes the target (a payment
promise on paper stops the calls whatever came after).

A file that cannot be read as a table, lacks a required column, is larger than ``MAX_BYTES`` or
has more than ``MAX_ROWS`` rows is refused and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer import config
from dialer.adapters import tabular
from dialer.adapters.db import audit, batches, paper_results, screen_pop, targets
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.screen_pop import NoteEntry
from dialer.adapters.error_report import ErrorReport
from dialer.adapters.tabular import TableError
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.domain.intake import paper_results as rules_of
from dialer.domain.intake import values
from dialer.domain.intake.mapping import HeaderProblem
from dialer.domain.intake.paper_results import PaperResult, ResultColumns, RowRules, minute
from dialer.domain.intake.rows import RowError
from dialer.services.governance import accounts, suspensions
from dialer.services.intake.importer import IntakeError, IntakeRefused, errors_path
from dialer.services.intake.reader import data_rows, header_of

log = logging.getLogger(__name__)
MAX_BYTES = 8 * 1024 * 1024  # a month of paper results is a few thousand lines
MAX_ROWS = 50_000
_CHUNK = 1000


class ResultsRefused(IntakeRefused):
    """Nothing was recorded; ``errors`` are the bad rows, if that was the reason."""

    def __init__(self, reason: str, errors: tuple[RowError, ...] = (),
                 errors_file: Path | None = None) -> None:
        super().__init__(reason, errors_file, len(errors))
        self.errors = errors


@dataclass(frozen=True)
class ResultsRequest:
    batch: int
    path: Path
    actor: str | None  # a manager's login
    encoding: str | None = None
    strict: bool = False


@dataclass(frozen=True)
class ImportedResults:
    batch: int
    recorded: int
    already: int  # rows whose call was recorded before (skipped)
    skipped: int  # paper-list lines with neither time nor result
    errors: tuple[RowError, ...]  # bad rows and rows already recorded, by row number
    errors_file: Path | None
    encoding: str

    @property
    def rejected(self) -> int:
        return len(self.errors) - self.already

    def as_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "recorded": self.recorded,
                "already_recorded": self.already, "rejected": self.rejected,
                "skipped_blank": self.skipped, "errors": error_dicts(self.errors),
                "errors_file": str(self.errors_file) if self.errors_file else None,
                "encoding": self.encoding}


def error_dicts(errors: tuple[RowError, ...]) -> list[dict[str, Any]]:
    return [e._asdict() for e in errors]


@dataclass
class _Read:
    good: list[PaperResult] = field(default_factory=list)
    bad: list[RowError] = field(default_factory=list)
    skipped: int = 0
    encoding: str = ""


@dataclass(frozen=True)
class _Row:
    result: PaperResult
    target_id: int
    operator_id: int | None


async def import_results(database: Database, settings: Settings, request: ResultsRequest,
                         now: datetime) -> ImportedResults:
    """Record the file's good rows (see the module docstring); ``now`` is the clock's time."""
    _check_size(request.path)
    try:
        await suspensions.ensure_data_allowed(database)
    except suspensions.DataSuspended as exc:
        raise ResultsRefused(str(exc)) from None
    sha256 = tabular.file_sha256(request.path)
    report = ErrorReport(errors_path(settings, f"results-batch{request.batch}", sha256))
    try:
        async with database.transaction() as conn:
            manager = await accounts.require(conn, request.actor)
            rules = await _rules(conn, settings, request.batch, now)
            read = await asyncio.to_thread(_read, request.path, request.encoding, rules)
            rows, bad, already = await _match(conn, request.batch, read)
            errors = tuple(sorted([*read.bad, *bad, *already]))
            report.add(errors)
            if not rows and not errors:
                raise ResultsRefused("the file has no results (every line is blank)")
            if request.strict and len(errors) > len(already):
                raise ResultsRefused(f"--strict and {len(errors) - len(already)} bad rows",
                                     errors, report.close())
            store = DbAttemptStore(database, settings.classification, settings.tz,
                                   instance=settings.database.instance)
            await _write(conn, store, settings, request.batch, rows, (manager.login, manager.id))
            await audit.record(conn, manager.login, "results.import", f"batch:{request.batch}",
                               sha256=sha256, recorded=len(rows), already=len(already),
                               rejected=len(errors) - len(already))
    except (TableError, HeaderProblem) as exc:
        raise ResultsRefused(str(exc)) from None
    finally:
        report.close()
    log.info("batch %d: %d paper results recorded, %d recorded before, %d rows rejected",
             request.batch, len(rows), len(already), len(errors) - len(already))
    return ImportedResults(request.batch, len(rows), len(already), read.skipped, errors,
                           report.close(), read.encoding)


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IntakeError(f"{path}: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise ResultsRefused(f"the file has {size / 2**20:.1f} MiB; a results file has at most "
                             f"{MAX_BYTES // 2**20} MiB (split it)")


async def _rules(conn: Connection, settings: Settings, batch_id: int, now: datetime
                 ) -> RowRules:
    batch = await batches.get(conn, batch_id)
    if batch is None:
        raise IntakeError(f"no batch {batch_id}")
    period = config.calendar(settings).period(batch.debt_type, batch.month)
    if period is None:
        raise IntakeError(f"batch {batch_id}: no period for {batch.debt_type} {batch.month} "
                          "in [[periods]]; its results cannot be dated")
    return RowRules(settings.classification, settings.tz, now, period)


def _read(path: Path, encoding: str | None, rules: RowRules) -> _Read:
    read = _Read()
    with tabular.open_table(path, encoding) as table:
        read.encoding = table.encoding
        rows = data_rows(table.rows())
        columns = rules_of.resolve(header_of(rows))
        for count, (number, cells) in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise ResultsRefused(f"more than {MAX_ROWS} rows; split the file")
            _one(read, number, cells, columns, rules)
    return read


def _one(read: _Read, number: int, cells: list[str], columns: ResultColumns,
         rules: RowRules) -> None:
    if rules_of.not_called(cells, columns):
        read.skipped += 1
        return
    checked = rules_of.validate(number, cells, columns, rules)
    if isinstance(checked, PaperResult):
        read.good.append(checked)
    else:
        read.bad.extend(checked)


async def _match(conn: Connection, batch_id: int, read: _Read
                 ) -> tuple[list[_Row], list[RowError], list[RowError]]:
    """The rows to record in time order; the rows refused; the rows recorded before."""
    ids = await _target_ids(conn, batch_id, {r.ref for r in read.good})
    operators = await paper_results.logins(conn)
    called = {t: {minute(at) for at in times} for t, times in
              (await paper_results.call_times(conn, ids.values())).items()}
    rows: list[_Row] = []
    bad: list[RowError] = []
    already: list[RowError] = []
    seen: dict[tuple[int, datetime], int] = {}
    for r in sorted(read.good, key=lambda r: r.row):
        problem = _problem(r, batch_id, ids, operators)
        if problem is not None:
            bad.append(problem)
            continue
        key = (ids[r.ref], minute(r.at))
        if key[1] in called.get(key[0], ()):
            already.append(RowError(r.row, "日時", f"{r.at:%Y-%m-%d %H:%M}",
                                    "already recorded: this 管理番号 has a call at this minute"))
        elif key in seen:
            bad.append(RowError(r.row, "日時", f"{r.at:%Y-%m-%d %H:%M}",
                                f"the same 管理番号 and minute as row {seen[key]}"))
        else:
            seen[key] = r.row
            rows.append(_Row(r, key[0], operators.get(r.operator)))
    return sorted(rows, key=lambda x: (x.result.at, x.result.row)), bad, already


def _problem(r: PaperResult, batch_id: int, ids: dict[str, int],
             operators: dict[str, int]) -> RowError | None:
    if r.ref not in ids:
        return RowError(r.row, "管理番号", values.mask(r.ref), f"not in batch {batch_id}")
    if r.operator and r.operator not in operators:
        return RowError(r.row, "担当", values.mask(r.operator), "no active account with that login")
    return None


async def _target_ids(conn: Connection, batch_id: int, refs: set[str]) -> dict[str, int]:
    ordered = sorted(refs)
    found: dict[str, int] = {}
    for first in range(0, len(ordered), _CHUNK):
        found.update(await targets.ids_by_ref(conn, batch_id, set(ordered[first:first + _CHUNK])))
    return found


async def _write(conn: Connection, store: DbAttemptStore, settings: Settings, batch_id: int,
                 rows: list[_Row], manager: tuple[str, int]) -> None:
    """Each row as an operator's result would be written (``result_record``), in ``conn``."""
    actor, actor_id = manager
    for row in rows:
        r = row.result
        attempt_id = f"paper-{uuid.uuid4().hex}"
        newer = await paper_results.has_later_result(conn, row.target_id, r.at)
        kept = await paper_results.plan(conn, row.target_id) if newer else None
        await paper_results.add(conn, attempt_id, batch_id, row.target_id, r.at, r.direction,
                                row.operator_id)
        await store.finish_in(conn, attempt_id, Phase.WRAP_UP, r.code, r.at)
        if kept is not None and not (await paper_results.plan(conn, row.target_id)).done:
            await paper_results.restore(conn, row.target_id, kept)
        result = settings.classification.get(r.code)
        await screen_pop.add_note(conn, NoteEntry(
            attempt_id, batch_id, row.target_id, row.operator_id or actor_id, r.at, r.code,
            r.note, escalation=result.escalation))
        await audit.record(conn, actor, "result.import", f"call:{attempt_id}", batch=batch_id,
                           target=row.target_id, code=r.code, direction=r.direction, row=r.row)
