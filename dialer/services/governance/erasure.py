"""Erasure of the residents' personal data with a certificate (SPEC "Erasure", §14(10)):
``dialer erase --batch ID | --all``.

In this order, manager only:

1. read what the scope holds (counts per debt type, and — in memory only — the values the
   final scan looks for);
2. recordings: the recording store erases the scope's calls (``RecordingEraser``:
   ``ArchiveRecordings``, the encrypted store, by default; ``RecordingFiles`` shreds plain
   files under ``[paths] recordings_dir`` and the spool);
3. files: report outbox, paper fallback lists, uploads, intake error reports, demo files
   (everything in them for ``--all``; for one batch, those named after it, or holding its
   source file, or containing any of its values);
4. database rows, in one transaction with its access-log row; then the database's own files
   are made clean (``adapters.db.erasure.compact``);
5. a fresh byte scan of the database file and its WAL, the recording store, the outbox and the
   whole data folder for every erased value; the certificate says what was found where (kind
   only) and is itself recorded (its sha256) in the access log.

Kept, and said so in the certificate: accounts (staff, not residents), the access log (ids,
counts and hashes, no names or numbers), scripts and Q&A, the configuration and messages.
One module (a little over 300 lines): the five steps, read in the order they run.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from dialer import config
from dialer.adapters import bytescan, shred
from dialer.adapters.db import audit
from dialer.adapters.db import erasure as erasure_db
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import utcnow
from dialer.config import Settings
from dialer.domain import erasure
from dialer.domain.erasure import BatchLine, Certificate, DebtTypeCounts, ScanReport, Values
from dialer.services.governance import accounts, backups
from dialer.services.recordings.archive import RecordingArchive, RecordingRefused
from recordings_policy.lifecycle import State

log = logging.getLogger(__name__)

KEPT = (
    "アカウント（職員の情報であり住民の個人情報ではない） / accounts (staff, not residents)",
    "アクセスログ（ID・件数・ハッシュのみ、氏名・電話番号なし） / the access log (ids, counts, "
    "hashes; no names or numbers)",
    "トークスクリプト・Q&A、設定、応答メッセージ / scripts and Q&A, configuration, messages",
)
NOT_COVERED = (
    "このサーバの外にある複製（市から受領した元ファイルの保管先、手で他所へ写したバックアップ、"
    "Asterisk ホスト）は"
    "対象外です / copies outside this server (where the city's files were received, backups copied "
    "elsewhere by hand, the Asterisk host) are not covered by this certificate",
)


class ErasureError(ValueError):
    """The erasure cannot start (unknown batch, nothing to erase); nothing was changed."""


class RecordingEraser(Protocol):
    """The recording store's part of an erasure (the encrypted store implements it)."""

    method: str

    def locations(self) -> Sequence[Path]:
        """The folders holding recordings (store, spool): the final scan covers them."""
        ...

    async def erase(self, call_ids: Collection[str] | None) -> int:
        """Destroy the recordings of these calls (every recording when None), keys included;
        how many recordings were destroyed."""
        ...


class RecordingFiles:
    """The fallback: recordings are files under ``recordings_dir`` (and any ``spools``) whose
    names contain the call id; they are shredded."""

    method = "recordings: " + shred.METHOD

    def __init__(self, settings: Settings, spools: Sequence[Path] = ()) -> None:
        spool = getattr(settings.paths, "recordings_spool", None)  # MixMonitor's, if set
        self._folders = [settings.paths.recordings_dir, *([spool] if spool else []), *spools]

    def locations(self) -> Sequence[Path]:
        return list(self._folders)

    async def erase(self, call_ids: Collection[str] | None) -> int:
        files = [p for folder in self._folders for p in shred.files_in(folder)]
        if call_ids is not None:
            ids = [c for c in call_ids if c]
            files = [p for p in files if any(c in p.name for c in ids)]
        return await asyncio.to_thread(shred.shred_all, files)


class ArchiveRecordings:
    """The encrypted recording store (``dialer.services.recordings.archive``): every recording of
    the scope's calls is erased through the archive (its own data key destroyed — no copy of its
    sealed file can be opened again — and its sealed file overwritten and removed; the
    recording's row, its erasure record and the erasure report stay, as for any erasure the city
    orders). A full erasure then destroys the recordings key file as well, and whatever is left
    in the store and the spool."""

    method = ("recordings: erased through the recording archive (each recording's own AES-256 "
              "data key destroyed, its AES-256-GCM sealed file overwritten and removed, "
              "erasure records kept); full erasure: the recordings key file, which wrapped the "
              "data keys, destroyed as well / 録音は個別の暗号鍵を破棄し暗号化ファイルを破壊、"
              "全件抹消では録音鍵も破棄")

    def __init__(self, database: Database, settings: Settings, actor: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._archive = RecordingArchive(database, lambda: settings, clock)
        self._settings, self._actor = settings, actor
        self._files = RecordingFiles(settings)

    def locations(self) -> Sequence[Path]:
        return [*self._files.locations(), self._settings.recordings.key_file.parent]

    async def erase(self, call_ids: Collection[str] | None) -> int:
        rows = await self._archive.listing(limit=1_000_000)
        if call_ids is not None:
            wanted = set(call_ids)
            rows = [r for r in rows if r.call_id in wanted]
        if any(r.state is State.RECORDING for r in rows):
            raise ErasureError("a recording is still running: stop the service first")
        destroyed = 0
        for row in rows:
            if row.state in (State.STORED, State.FAILED):
                try:
                    await self._archive.erase(self._actor, row.id, "instruction",
                                              "dialer erase")
                except RecordingRefused as exc:  # settled meanwhile: nothing left to destroy
                    log.info("recording %s: %s", row.id, exc)
                destroyed += row.state is State.STORED
        if call_ids is None:
            destroyed += await self._files.erase(None)  # anything not in the archive's rows
            await asyncio.to_thread(shred.shred_all, [self._settings.recordings.key_file])
        return destroyed


@dataclass(frozen=True)
class Plan:
    """What an erasure would remove (for the confirmation question): counts only."""

    everything: bool
    batches: list[BatchLine]
    counts: tuple[DebtTypeCounts, ...]


async def plan(database: Database, batch: int | None) -> Plan:
    everything = batch is None
    async with database.connect() as conn:
        found = await erasure_db.batches(conn, None if everything else [batch or 0])
        counts = await erasure_db.counts(conn, [b.id for b in found])
    if not everything and not found:
        raise ErasureError(f"no batch {batch}")
    return Plan(everything, found, erasure.by_debt_type(counts))


@dataclass
class _Work:
    plan: Plan
    values: Values
    shared: int
    call_ids: list[str]
    files: dict[str, int] = field(default_factory=dict)
    other_rows: dict[str, int] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


async def erase(database: Database, settings: Settings, batch: int | None, actor: str | None,
                recordings: RecordingEraser | None = None,
                clock: Callable[[], datetime] = utcnow) -> tuple[Certificate, str]:
    """Erase the batch (every batch when None); the certificate and its text."""
    async with database.connect() as conn:
        manager = await accounts.require(conn, actor)
    scope = await plan(database, batch)
    ids = [b.id for b in scope.batches]
    async with database.connect() as conn:
        searched, shared = await erasure_db.values(conn, ids, scope.everything)
        work = _Work(scope, searched, shared,
                     await erasure_db.call_ids(conn, ids, scope.everything))
    store = recordings or ArchiveRecordings(database, settings, manager.login, clock)
    work.files["recordings"] = await store.erase(None if scope.everything else work.call_ids)
    work.methods.append(store.method)
    await _erase_files(settings, work)
    await asyncio.to_thread(_erase_backups, settings, work)
    await _erase_rows(database, work, manager.login)
    work.methods += [f"database: {m}" for m in await erasure_db.compact(database)]
    report = await _scan(database, settings, store, work)
    cert = _certificate(settings, manager.login, manager.display_name, clock(), work, report)
    text = erasure.render(cert, settings.tz, {d.code: d.name for d in settings.debt_types})
    async with database.transaction() as conn:
        await audit.record(conn, manager.login, "erasure.certificate", _object(scope),
                           number=cert.number, ok=cert.ok, findings=len(report.findings),
                           sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    log.warning("erasure %s by %s: %s", cert.number, manager.login,
                "verified" if cert.ok else "VALUES FOUND after erasure")
    return cert, text


def _object(scope: Plan) -> str:
    return "all" if scope.everything else f"batch:{scope.batches[0].id}"


# --- files ------------------------------------------------------------------------------------

def _folders(settings: Settings) -> dict[str, Path]:
    data = settings.paths.data_dir
    return {"outbox": settings.paths.outbox_dir, "exports": data / "exports",
            "uploads": data / "uploads", "intake_errors": data / "intake-errors",
            "demo": data / "demo"}


async def _erase_files(settings: Settings, work: _Work) -> None:
    folders = _folders(settings)
    chosen: dict[str, list[Path]] = {k: shred.files_in(f) for k, f in folders.items()}
    if not work.plan.everything:
        chosen = await asyncio.to_thread(_of_batch, chosen, work)
    for kind, files in chosen.items():
        work.files[kind] = await asyncio.to_thread(shred.shred_all, files)
    work.methods.append(f"{', '.join(folders)}: {shred.METHOD}")


def _erase_backups(settings: Settings, work: _Work) -> None:
    """A full erasure destroys every backup and the backup key; one batch cannot be cut out of
    a sealed backup, so the backups that hold it are named as not verified."""
    found = backups.backups_in(settings.backup.dir)
    if work.plan.everything:
        work.files["backups"] = shred.shred_all(found)
        key = shred.shred_all([settings.backup.key_file])
        work.methods.append(f"backups: every backup file {shred.METHOD}; the backup key file "
                            f"destroyed ({key} file)")
    elif found:
        work.unverified.append(
            f"backups: {len(found)} sealed backup file(s) in {settings.backup.dir} taken before "
            f"this erasure still hold the batch (AES-256-GCM, backup key); they are destroyed as "
            f"they age out ([backup] keep = {settings.backup.keep}) or by a full erasure")


def _of_batch(candidates: dict[str, list[Path]], work: _Work) -> dict[str, list[Path]]:
    """The files of one batch: named after it (``batch<ID>``, its source file's sha256
    prefix), holding its source file, or containing any of its values."""
    line = work.plan.batches[0]
    tokens = (f"batch{line.id}-", f"batch{line.id}_", f"batch{line.id}.", line.sha256[:12])
    needles = erasure.needles(work.values)
    chosen: dict[str, list[Path]] = {}
    for kind, files in candidates.items():
        named = {p for p in files if any(t in p.name for t in tokens)}
        rest = [p for p in files if p not in named and not p.is_symlink()]
        named |= {p for p in rest if _sha256(p) == line.sha256}
        hits = bytescan.scan([p for p in rest if p not in named], needles).hits
        chosen[kind] = sorted(named | {h.path for h in hits})
    return chosen


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- rows -------------------------------------------------------------------------------------

async def _erase_rows(database: Database, work: _Work, login: str) -> None:
    ids = [b.id for b in work.plan.batches]
    totals = {name: sum(getattr(c, name) for c in work.plan.counts)
              for name in ("batches", "targets", "phones", "debts", "calls", "notes")}
    async with database.transaction() as conn:
        work.other_rows.update(await erasure_db.delete_scope(conn, ids, work.plan.everything))
        await audit.record(conn, login, "erasure.execute", _object(work.plan),
                           batch_ids=ids, **totals, **work.other_rows, files=work.files)
        left = await erasure_db.remaining(conn, ids)
        if left:  # rolls the deletion back: nothing half-done is certified
            raise ErasureError(f"{left} rows of the scope are still there after deletion")


# --- the check --------------------------------------------------------------------------------

async def _scan(database: Database, settings: Settings, store: RecordingEraser,
                work: _Work) -> ScanReport:
    db_file = config.database_file(settings)
    places: list[Path] = []
    if db_file is not None:
        places += [db_file, *(db_file.with_name(db_file.name + s)
                              for s in ("-wal", "-shm", "-journal"))]
    else:
        work.unverified.append(
            "PostgreSQL: the server's data files, its WAL, WAL archives and replicas are not on "
            "this machine's scan (the erased rows were checked gone by query; VACUUM FULL ran)")
    places += [*store.locations(), settings.paths.outbox_dir, settings.paths.data_dir]
    skip = [settings.paths.data_dir / "sandbox"]  # the Asterisk sandbox: not the data server
    needles = erasure.needles(work.values)
    files = await asyncio.to_thread(bytescan.files_under, places, skip)
    result = await asyncio.to_thread(bytescan.scan, files, needles)
    findings = tuple(erasure.Finding(f"{h.path}" + (f" [{h.member}]" if h.member else ""),
                                     h.kinds) for h in result.hits)
    return ScanReport(tuple(str(p) for p in places if p.exists()), result.files, result.bytes,
                      len(work.values), len(needles), findings, work.shared)


def _certificate(settings: Settings, login: str, name: str, at: datetime, work: _Work,
                 report: ScanReport) -> Certificate:
    number = f"ER-{at.astimezone(settings.tz):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    scope = ("all / 全件" if work.plan.everything
             else f"batch / 一括 {work.plan.batches[0].id}")
    return Certificate(
        number=number, centre=settings.centre.name, issued_at=at, issued_by=login,
        issued_by_name=name, scope=scope, batches=tuple(work.plan.batches),
        by_debt_type=work.plan.counts, other_rows=dict(work.other_rows),
        files=dict(work.files), methods=tuple(work.methods), kept=KEPT, scan=report,
        notes=(*work.notes, *NOT_COVERED), unverified=tuple(work.unverified))
