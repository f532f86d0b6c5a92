"""The stop list: exclusions from the city's file (``dialer exclude``) or a manager's entry.

An exclusion takes effect at once: ``is_dialable`` — which the dialer calls right before every
originate — answers False from the moment the transaction commits, even for a call already
queued in the current window. Matching is on 管理番号 within the one batch named, never across.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialer.adapters import tabular
from dialer.adapters.db import audit, batches, targets
from dialer.adapters.db import exclusions as repo
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.error_report import ErrorReport
from dialer.adapters.tabular import TableError
from dialer.config import Settings
from dialer.domain.intake import exclusions, values
from dialer.domain.intake.exclusions import Exclusion, ExclusionReason
from dialer.domain.intake.mapping import HeaderProblem
from dialer.domain.intake.rows import RowError
from dialer.services.governance import accounts
from dialer.services.intake.importer import IntakeError, IntakeRefused, errors_path
from dialer.services.intake.reader import data_rows, header_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExcludeResult:
    batch: int
    excluded: int
    already: int
    rejected: int
    errors_file: Path | None

    def as_json(self) -> dict[str, Any]:
        return {"excluded": self.excluded, "already_excluded": self.already,
                "rejected": self.rejected, "batch": self.batch,
                "errors_file": str(self.errors_file) if self.errors_file else None}


async def exclude_file(database: Database, settings: Settings, batch_id: int, path: Path, *,
                       encoding: str | None = None, strict: bool = False,
                       actor: str = "system") -> ExcludeResult:
    sha256 = tabular.file_sha256(path)
    report = ErrorReport(errors_path(settings, f"exclude-batch{batch_id}", sha256))
    try:
        rows, bad = await asyncio.to_thread(_read, path, encoding)
        report.add(e for errors in bad for e in errors)
        async with database.transaction() as conn:
            entries, unknown = await _match(conn, batch_id, rows)
            report.add(unknown)
            rejected = len(bad) + len(unknown)
            if strict and rejected:
                raise IntakeRefused(f"--strict and {rejected} bad rows", report.close(), rejected)
            new = await repo.add(conn, entries, source="file", actor=actor)
            await audit.record(conn, actor, "intake.exclude", f"batch:{batch_id}",
                               sha256=sha256, excluded=new, rejected=rejected)
    except (TableError, HeaderProblem) as exc:
        raise IntakeRefused(str(exc), report.close()) from None
    finally:
        report.close()
    log.info("batch %d: %d targets excluded from a stop list, %d rows rejected",
             batch_id, new, rejected)
    return ExcludeResult(batch_id, new, len(entries) - new, rejected, report.close())


async def _match(conn: Connection, batch_id: int, rows: list[Exclusion]
                 ) -> tuple[list[tuple[int, str, str | None]], list[RowError]]:
    """(target id, reason, note) of each row whose 管理番号 is in the batch; errors for others."""
    if await batches.get(conn, batch_id) is None:
        raise IntakeError(f"no batch {batch_id}")
    ids = await targets.ids_by_ref(conn, batch_id, {r.ref for r in rows})
    unknown = [RowError(r.row, "管理番号", values.mask(r.ref), f"not in batch {batch_id}")
               for r in rows if r.ref not in ids]
    entries = {(ids[r.ref], r.reason.value): r.note for r in rows if r.ref in ids}
    return [(t, r, n) for (t, r), n in entries.items()], unknown


def _read(path: Path, encoding: str | None) -> tuple[list[Exclusion], list[list[RowError]]]:
    good: list[Exclusion] = []
    bad: list[list[RowError]] = []
    with tabular.open_table(path, encoding) as table:
        rows = data_rows(table.rows())
        columns = exclusions.resolve(header_of(rows))
        for number, cells in rows:
            checked = exclusions.validate(number, cells, columns)
            if isinstance(checked, Exclusion):
                good.append(checked)
            else:
                bad.append(checked)
    return good, bad


async def exclude_target(database: Database, batch_id: int, ref: str, reason: str,
                         note: str | None, actor: str | None) -> bool:
    """A manager's own entry; True when new (False: already excluded for that reason)."""
    parsed = exclusions.parse_reason(reason)
    problem = exclusions.check(parsed, note)
    if problem:
        raise IntakeError(problem)
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        ids = await targets.ids_by_ref(conn, batch_id, {ref.strip()})
        if not ids:
            raise IntakeError(f"no target with that 管理番号 in batch {batch_id}")
        target_id = next(iter(ids.values()))
        new = await repo.add(conn, [(target_id, parsed.value, note)], source="manual",
                             actor=manager.login)
        await audit.record(conn, manager.login, "calllist.exclude", f"target:{target_id}",
                           batch=batch_id, reason=parsed.value)
    return new == 1


async def is_dialable(database: Database, target_id: int) -> bool:
    """Call this right before every originate (see the module docstring)."""
    async with database.connect() as conn:
        return await repo.is_dialable(conn, target_id)


REASON_LABELS = {r.value: exclusions.LABELS[r] for r in ExclusionReason}
