"""Emergency recordings once they exist: stored encrypted, reported to the city at once, played
and exported by managers, erased when the city instructs (its instruction's reference recorded),
or at a retention limit only when ``[recordings] retention_days`` opts in (SPEC "Recording").

Every step is in the access log (``recording.*``). Operators never reach any of this: the web
routes are for managers only and every method here that shows audio takes the acting login for
the log. The plain audio only ever exists in the MixMonitor spool while the call is recorded
and in memory while a manager plays or exports it.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer.adapters import audio, report_files
from dialer.adapters.db import audit
from dialer.adapters.db import recordings as db
from dialer.adapters.db.engine import Database
from dialer.adapters.db.recordings import RecordingRow
from dialer.adapters.recording_vault import (
    Sealed,
    Vault,
    VaultError,
    repair_wav,
    shred,
    wav_closed,
    wav_seconds,
)
from dialer.config import Settings
from recordings_policy import lifecycle, report, retention
from recordings_policy.lifecycle import Event, RecordingRuleError, Start, State

log = logging.getLogger(__name__)

SYSTEM = "system"
ENCODING, ERRORS = "cp932", "backslashreplace"


class RecordingNotFound(LookupError):
    """No such recording."""


class RecordingRefused(ValueError):
    """Not possible for this recording now; the message says why."""


def facts(row: RecordingRow) -> report.ReportFacts:
    erasure = ""
    if row.erasure_reason:
        erasure = " ".join(filter(None, (lifecycle.ERASURE_REASONS.get(
            row.erasure_reason, row.erasure_reason), row.erasure_reference)))
    return report.ReportFacts(
        row.file_id, row.call_id, row.flagged_at, row.flagged_by, row.reason, row.reason_text,
        row.consent, row.started_at, row.ended_at, row.duration_s, row.stopped_by, row.state,
        row.failure, row.erased_at, row.erased_by, erasure)


class RecordingArchive:
    def __init__(self, database: Database, settings: Callable[[], Settings],
                 clock: Callable[[], datetime]) -> None:
        self._db, self._settings, self._clock = database, settings, clock
        self._vault: Vault | None = None

    def vault(self) -> Vault:
        s = self._settings()
        if self._vault is None or (self._vault.store_dir, self._vault.key_file) != (
                s.paths.recordings_dir, s.recordings.key_file):
            self._vault = Vault(s.paths.recordings_dir, s.recordings.key_file)
        return self._vault

    # --- the recorder's side -----------------------------------------------------------------
    async def open(self, start: Start, flagged_by: str) -> int:
        """The row of a recording about to start (written before MixMonitor runs)."""
        async with self._db.transaction() as conn:
            emergency_id = await db.latest_emergency(conn, start.call_id)
            if emergency_id is None:
                raise RecordingRefused("the call was not flagged as an emergency")
            recording_id = await db.add(conn, emergency_id, start.call_id, start.file_id,
                                        self._clock())
            await audit.record(conn, flagged_by, "recording.start", f"recording:{recording_id}",
                               call=start.call_id, file=start.file_id, reason=start.reason,
                               consent=start.consent)
        return recording_id

    async def failed(self, recording_id: int, why: str) -> None:
        """MixMonitor could not record: the row says why; reported like any recording."""
        row = await self.get(recording_id)
        state = lifecycle.step(row.state, Event.FAILED)
        async with self._db.transaction() as conn:
            await db.set_state(conn, recording_id, state, failure=why[:200],
                               ended_at=self._clock(), duration_s=0.0)
            await audit.record(conn, SYSTEM, "recording.failed", f"recording:{recording_id}",
                               call=row.call_id, why=why[:200])
        await self.report(recording_id)

    async def store(self, recording_id: int, spool: Path, stopped_by: str) -> RecordingRow:
        """The recording ended: seal the spool file into the store, destroy the plain one,
        report. A spool file Asterisk never closed is repaired first."""
        row = await self.get(recording_id)
        try:
            state = lifecycle.step(row.state, Event.ENDED)
        except RecordingRuleError:  # it was already settled: no plain audio may stay behind
            log.error("recording %s is %s; its spool file is destroyed", recording_id,
                      row.state)
            await asyncio.to_thread(shred, spool)
            return row
        vault = self.vault()
        try:
            duration, sealed = await asyncio.to_thread(self._seal, vault, spool, row.file_id)
        except (OSError, VaultError) as exc:
            log.error("recording %s: not stored (%s)", recording_id, exc)
            await self.failed(recording_id, f"not stored: {exc}")
            return await self.get(recording_id)
        async with self._db.transaction() as conn:
            await db.set_state(conn, recording_id, state, ended_at=self._clock(),
                               duration_s=duration, size=sealed.size, key_id=sealed.key_id,
                               wrapped_key=sealed.wrapped_key, stopped_by=stopped_by)
            await audit.record(conn, SYSTEM, "recording.stored", f"recording:{recording_id}",
                               call=row.call_id, file=row.file_id, bytes=sealed.size,
                               seconds=round(duration, 1), stopped_by=stopped_by or None)
        log.info("call %s: recording %s stored (%.1f s, file %s)", row.call_id, recording_id,
                 duration, row.file_id)
        await self.report(recording_id)
        return await self.get(recording_id)

    @staticmethod
    def _seal(vault: Vault, spool: Path, file_id: str) -> tuple[float, Sealed]:
        if not spool.is_file():
            raise VaultError("MixMonitor wrote no file")
        if not wav_closed(spool):
            repair_wav(spool)
        duration = wav_seconds(spool)
        sealed = vault.seal(spool, file_id)
        shred(spool)
        return duration, sealed

    async def report(self, recording_id: int) -> list[Path]:
        """Write the recording's report for the city into the outbox (CSV in CP932 with CRLF,
        and JSON), at once; the board shows it until a manager acknowledges it."""
        row = await self.get(recording_id)
        settings = self._settings()
        written = await asyncio.to_thread(write_report, settings.paths.outbox_dir,
                                          facts(row), settings.tz)
        async with self._db.transaction() as conn:
            if row.reported_at is None:
                await db.set_values(conn, recording_id, reported_at=self._clock())
            await audit.record(conn, SYSTEM, "recording.report", f"recording:{recording_id}",
                               files=[p.name for p in written])
        return written

    # --- managers -----------------------------------------------------------------------------
    async def get(self, recording_id: int) -> RecordingRow:
        async with self._db.connect() as conn:
            row = await db.get(conn, recording_id)
        if row is None:
            raise RecordingNotFound(f"no recording {recording_id}")
        return row

    async def listing(self, limit: int = 500) -> list[RecordingRow]:
        async with self._db.connect() as conn:
            return await db.listing(conn, limit)

    async def unacknowledged(self) -> list[RecordingRow]:
        async with self._db.connect() as conn:
            return await db.unacknowledged(conn)

    async def in_state(self, state: State) -> list[RecordingRow]:
        async with self._db.connect() as conn:
            return await db.in_state(conn, state)

    async def audio(self, actor: str, recording_id: int, purpose: str, **detail: object
                    ) -> tuple[RecordingRow, bytes]:
        """The plain WAV in memory, for ``purpose`` ("play" or "export"), logged first."""
        row = await self.get(recording_id)
        if row.state is not State.STORED:
            raise RecordingRefused(f"the recording is {row.state}: there is no audio")
        async with self._db.transaction() as conn:
            await audit.record(conn, actor, f"recording.{purpose}", f"recording:{recording_id}",
                               call=row.call_id, file=row.file_id, **detail)
        try:
            plain = await asyncio.to_thread(self.vault().open, row.file_id, row.wrapped_key)
        except VaultError as exc:
            raise RecordingRefused(str(exc)) from None
        return row, plain

    async def export(self, actor: str, recording_id: int, fmt: str) -> tuple[RecordingRow, bytes]:
        if fmt not in audio.EXPORT_FORMATS:
            raise RecordingRefused(f"format: one of {', '.join(audio.EXPORT_FORMATS)}")
        row, plain = await self.audio(actor, recording_id, "export", format=fmt)
        try:
            return row, await asyncio.to_thread(audio.export_recording, plain, fmt)
        except audio.AudioError as exc:
            raise RecordingRefused(str(exc)) from None

    async def log_stop(self, actor: str, recording_id: int, call_id: str) -> None:
        async with self._db.transaction() as conn:
            await audit.record(conn, actor, "recording.stop", f"recording:{recording_id}",
                               call=call_id)

    async def acknowledge(self, actor: str, recording_id: int) -> RecordingRow:
        row = await self.get(recording_id)
        if not lifecycle.may_acknowledge(row.state):
            raise RecordingRefused("the recording is still running: its report comes when it "
                                   "ends")
        async with self._db.transaction() as conn:
            if not await db.acknowledge(conn, recording_id, actor, self._clock()):
                raise RecordingRefused("the report was already acknowledged")
            await audit.record(conn, actor, "recording.ack", f"recording:{recording_id}",
                               call=row.call_id)
        return await self.get(recording_id)

    async def erase(self, actor: str, recording_id: int, reason: str = "instruction",
                    reference: str = "") -> RecordingRow:
        """Destroy the recording: its sealed file overwritten and removed, and its wrapped data
        key emptied in its row (so no copy of the sealed file, wherever it went, can be opened
        again: a database backup taken before still holds the key until it ages out). The
        row, an erasure record, the access log entry and an erasure report for the city
        remain. An erasure on the city's instruction needs the instruction's reference (kept
        in the erasure record and the access log)."""
        reason = lifecycle.erasure_reason(reason)
        reference = " ".join(reference.split())[:100]
        if reason == "instruction" and not reference:
            raise RecordingRefused("the city's instruction reference is required to erase a "
                                   "recording")
        row = await self.get(recording_id)
        try:
            state = lifecycle.step(row.state, Event.ERASED)
        except RecordingRuleError as exc:
            raise RecordingRefused(str(exc)) from None
        destroyed = await asyncio.to_thread(self.vault().destroy, row.file_id)
        now = self._clock()
        async with self._db.transaction() as conn:
            await db.set_state(conn, recording_id, state, wrapped_key="")
            await db.add_erasure(conn, recording_id, now, actor, reason, reference)
            await audit.record(conn, actor, "recording.erase", f"recording:{recording_id}",
                               call=row.call_id, file=row.file_id, reason=reason,
                               reference=reference, destroyed=destroyed)
        if not await db.drop_old_page_images(self._db):
            log.warning("recording %s: the database's write-ahead log was busy; the erased key's "
                        "old page images go at its next checkpoint", recording_id)
        log.warning("recording %s (call %s) erased by %s (%s)", recording_id, row.call_id,
                    actor, reason)
        await self.report(recording_id)
        return await self.get(recording_id)

    async def erase_call(self, actor: str, call_id: str, reference: str = ""
                         ) -> list[RecordingRow]:
        """Erase every recording of ``call_id`` (none may still be running)."""
        async with self._db.connect() as conn:
            rows = await db.of_call(conn, call_id)
        if not rows:
            raise RecordingNotFound(f"no recording of call {call_id}")
        if any(r.state is State.RECORDING for r in rows):
            raise RecordingRefused("a recording of this call is still running: stop it first")
        return [await self.erase(actor, r.id, "instruction", reference)
                for r in rows if r.state is not State.ERASED]

    async def erase_expired(self) -> int:
        """The retention limit, only when ``retention_days`` opts in (above 0): erase every
        recording that ended that many days ago or more; how many were erased. Scheduled daily
        by the service; with the default (0) nothing is ever erased without an instruction."""
        settings = self._settings()
        if not retention.automatic(settings.recordings.retention_days):
            return 0
        cutoff = retention.cutoff(self._clock(), settings.recordings.retention_days)
        async with self._db.connect() as conn:
            rows = await db.due(conn, cutoff)
        for row in rows:
            await self.erase(SYSTEM, row.id, "retention",
                             f"{settings.recordings.retention_days}日")
        if rows:
            log.info("retention: %d recording(s) erased", len(rows))
        return len(rows)

    async def retention_job(self) -> None:
        """``erase_expired`` as a scheduler job."""
        await self.erase_expired()


def write_report(outbox: Path, item: report.ReportFacts, tz: ZoneInfo) -> list[Path]:
    """``<outbox>/recordings/録音報告_<day>_<file id>.csv`` (CP932, CRLF) and ``.json``."""
    values = report.values(item, tz)
    stem = outbox / report.file_stem(item, tz)
    stem.parent.mkdir(parents=True, exist_ok=True)
    text = io.StringIO(newline="")
    writer = report_files.csv_writer(text)
    writer.writerow([header for _key, header in report.FIELDS])
    writer.writerow([values[key] for key, _header in report.FIELDS])
    csv_path = stem.with_name(stem.name + ".csv")
    json_path = stem.with_name(stem.name + ".json")
    _atomic(csv_path, text.getvalue().encode(ENCODING, ERRORS))
    body: dict[str, object] = {key: values[key] for key, _header in report.FIELDS}
    body["headers"] = dict(report.FIELDS)
    _atomic(json_path, json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))
    return [csv_path, json_path]


def _atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.part")
    with partial.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    partial.replace(path)
