"""Importing a loaned-data file (貸与データ) as one batch, in one transaction.

A file that cannot be decoded, lacks a required column, is of another debt type (see
``dialer.domain.intake.debt_check``) or — with ``strict`` — has any bad row, changes nothing.
Otherwise good rows are stored and bad rows go to the row-level error report under
``DATA_DIR/intake-errors/``. The same content (sha256) is refused a second time unless ``force``.
Nothing personal is logged: counts, ids and hashes only.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer.adapters import tabular
from dialer.adapters.db import audit, batches
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.targets import TargetWriter
from dialer.adapters.error_report import ErrorReport
from dialer.adapters.tabular import TableError
from dialer.config import Settings
from dialer.domain import debt_types
from dialer.domain.debt_types import DebtType
from dialer.domain.intake import debt_check, mapping
from dialer.domain.intake.debt_check import WrongDebtType
from dialer.domain.intake.mapping import ColumnMapping, HeaderProblem, MappingError
from dialer.domain.intake.rows import RowError
from dialer.services.governance import suspensions
from dialer.services.intake.reader import ChunkReader, ReaderFailed, ReadSpec

log = logging.getLogger(__name__)
Progress = Callable[[float], None]
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class IntakeError(Exception):
    """The request itself is wrong (debt type, month, mapping file); nothing was read."""


class IntakeRefused(IntakeError):
    """The file was refused and nothing changed; ``errors_file`` lists its bad rows, if any."""

    def __init__(self, reason: str, errors_file: Path | None = None, rejected: int = 0) -> None:
        super().__init__(f"refused: {reason}")
        self.reason = reason
        self.errors_file = errors_file
        self.rejected = rejected


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    debt_type: str
    month: str
    mapping: Path | None = None
    strict: bool = False
    force: bool = False
    encoding: str | None = None
    actor: str = "system"
    process: bool | None = None  # read in a worker process (None: by file size)


@dataclass(frozen=True)
class ImportResult:
    batch: int
    imported: int
    rejected: int
    targets: int
    errors_file: Path | None
    encoding: str

    def as_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "rejected": self.rejected,
                "errors_file": str(self.errors_file) if self.errors_file else None,
                "batch": self.batch, "targets": self.targets}


@dataclass
class _Counts:
    imported: int = 0
    rejected: int = 0


async def import_file(database: Database, settings: Settings, request: ImportRequest,
                      progress: Progress | None = None) -> ImportResult:
    debt_type = debt_types.resolve(request.debt_type, settings.debt_types)
    month = check_month(request.month)
    columns_mapping = load_mapping(request.mapping, debt_type, settings.debt_types)
    try:
        debt_check.check_file_name(request.path.name, debt_type, settings.debt_types)
    except WrongDebtType as exc:
        raise IntakeRefused(str(exc)) from None
    try:
        await suspensions.ensure_data_allowed(database)
    except suspensions.DataSuspended as exc:
        raise IntakeRefused(str(exc)) from None
    sha256 = tabular.file_sha256(request.path)
    report = ErrorReport(errors_path(settings, f"{debt_type.code}-{month}", sha256))
    loader = _Loader(settings, request, debt_type, month, sha256, report)
    try:
        async with database.transaction() as conn:
            await refuse_duplicate(conn, sha256, request.force)
            result = await loader.load(conn, columns_mapping, progress)
    except (TableError, HeaderProblem, WrongDebtType, ReaderFailed) as exc:
        raise IntakeRefused(str(exc), report.close(), loader.counts.rejected) from None
    finally:
        report.close()
    log.info("batch %d imported (%s %s): %d rows, %d targets, %d rejected", result.batch,
             debt_type.code, month, result.imported, result.targets, result.rejected)
    return result


class _Loader:
    """Streams the rows of one file into one batch, chunk by chunk."""

    def __init__(self, settings: Settings, request: ImportRequest, debt_type: DebtType,
                 month: str, sha256: str, report: ErrorReport) -> None:
        self.settings, self.request, self.debt_type = settings, request, debt_type
        self.month, self.sha256, self.report = month, sha256, report
        self.counts = _Counts()

    async def load(self, conn: Connection, columns_mapping: ColumnMapping,
                   progress: Progress | None) -> ImportResult:
        spec = ReadSpec(self.request.path, self.request.encoding, columns_mapping,
                        self.debt_type, self.settings.debt_types)
        reader = await ChunkReader.open(spec, process=self.request.process)
        try:
            batch_id = await batches.create(
                conn, debt_type=self.debt_type.code, month=self.month,
                source_name=self.request.path.name[:255], sha256=self.sha256,
                encoding=reader.encoding, imported_by=self.request.actor)
            writer = TargetWriter(conn, batch_id, reader.columns.headers[reader.columns.name])
            await self._pipeline(reader, writer, progress)
        finally:
            await reader.close()
        self._refuse_if_needed()
        await batches.finish(conn, batch_id, self.counts.imported, self.counts.rejected)
        await audit.record(conn, self.request.actor, "intake.import", f"batch:{batch_id}",
                           debt_type=self.debt_type.code, month=self.month,
                           sha256=self.sha256, rows_imported=self.counts.imported,
                           rows_rejected=self.counts.rejected, targets=writer.targets)
        return ImportResult(batch_id, self.counts.imported, self.counts.rejected,
                            writer.targets, self.report.close(), reader.encoding)

    async def _pipeline(self, reader: ChunkReader, writer: TargetWriter,
                        progress: Progress | None) -> None:
        """Validate chunk n+1 (worker thread or process) while chunk n is written; the error
        report is written from this task only."""
        pending: asyncio.Task[tuple[int, list[RowError]]] | None = None
        try:
            while (chunk := await reader.next()) is not None:
                if pending is not None:
                    self._stored(await pending)
                good, bad, done = chunk
                self.report.add(e for errors in bad for e in errors)
                self.counts.rejected += len(bad)
                pending = asyncio.create_task(writer.write(good))
                if progress is not None:
                    progress(done)
            if pending is not None:
                self._stored(await pending)
        finally:
            if pending is not None and not pending.done():
                await asyncio.wait([pending])

    def _stored(self, written: tuple[int, list[RowError]]) -> None:
        stored, conflicts = written
        self.report.add(conflicts)
        self.counts.imported += stored
        self.counts.rejected += len(conflicts)

    def _refuse_if_needed(self) -> None:
        if self.counts.imported + self.counts.rejected == 0:
            raise IntakeRefused("the file has no data rows")
        if self.request.strict and self.counts.rejected:
            raise IntakeRefused(f"--strict and {self.counts.rejected} bad rows",
                                self.report.close(), self.counts.rejected)


def check_month(month: str) -> str:
    if not _MONTH.fullmatch(month.strip()):
        raise IntakeError(f"--month must be YYYY-MM, got {month!r}")
    return month.strip()


def load_mapping(path: Path | None, debt_type: DebtType,
                 known: tuple[DebtType, ...]) -> ColumnMapping:
    if path is None:
        return mapping.DEFAULT_MAPPING
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return mapping.from_toml(data, debt_type, known)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise IntakeError(f"{path}: not valid TOML: {exc}") from None
    except MappingError as exc:
        raise IntakeError(f"{path}: {exc}") from None


async def refuse_duplicate(conn: Connection, sha256: str, force: bool) -> None:
    earlier = await batches.with_hash(conn, sha256)
    if earlier and not force:
        raise IntakeRefused(f"this content (sha256 {sha256[:12]}…) was already imported as "
                            f"batch {earlier[-1]}; --force imports it again as a new batch")


def errors_path(settings: Settings, what: str, sha256: str) -> Path:
    stamp = datetime.now(settings.tz).strftime("%Y%m%d-%H%M%S")
    return settings.paths.data_dir / "intake-errors" / f"{stamp}-{what}-{sha256[:12]}.csv"
