"""The recorder and the archive on a real SQLite database, with a stand-in for the AMI: the flag
starts MixMonitor on the call's channel, the file is sealed into the store when the call ends
or a manager stops it, every recording is reported, erased on instruction or at the retention
limit, and a service restart loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import stat
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydub import AudioSegment
from sqlalchemy import select

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import RecordingErasure
from dialer.adapters.recording_vault import Vault, VaultError
from dialer.config import Settings
from dialer.services.recordings.archive import (
    RecordingArchive,
    RecordingNotFound,
    RecordingRefused,
)
from dialer.services.recordings.recorder import Recorder, emergency_hooks
from recordings_policy.emergency import EmergencyFlag
from recordings_policy.lifecycle import State
from tests.component.recordings.kit import FakeAmi, flagged, tone, wav_header
from tests.component.web.kit import Clock


@dataclasses.dataclass
class Rig:
    settings: Settings
    database: Database
    ami: FakeAmi
    recorder: Recorder
    clock: Clock

    @property
    def archive(self) -> RecordingArchive:
        return self.recorder.archive

    async def settle(self) -> None:
        for _ in range(100):
            await asyncio.sleep(0.01)
            if not self.recorder._events.qsize():
                await asyncio.sleep(0.3)  # the sealing after the last event (busy CI)
                return


def _recorder(settings: Settings, database: Database, ami: FakeAmi, clock: Clock) -> Recorder:
    archive = RecordingArchive(database, lambda: settings, clock)
    return Recorder(ami, archive, lambda: settings, clock)  # type: ignore[arg-type]


@pytest.fixture
async def rig(settings: Settings, database: Database) -> AsyncIterator[Rig]:
    settings.paths.recordings_spool.mkdir(parents=True)
    ami = FakeAmi(settings.paths.recordings_spool)
    clock = Clock()
    recorder = _recorder(settings, database, ami, clock)
    task = asyncio.create_task(recorder.run())
    yield Rig(settings, database, ami, recorder, clock)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _flag(rig: Rig, call_id: str = "att-1", **kwargs: str) -> EmergencyFlag:
    return await flagged(rig.database, call_id, rig.clock(), **kwargs)


async def test_the_flag_starts_mixmonitor_and_the_hangup_seals_and_reports_it(rig: Rig) -> None:
    channel = rig.ami.call("att-1")
    await rig.recorder.started(await _flag(rig), "op1")
    mixmonitor = [a for a in rig.ami.actions if a["Action"] == "MixMonitor"]
    assert len(mixmonitor) == 1 and mixmonitor[0]["Channel"] == channel
    assert mixmonitor[0]["Options"] == ""  # both directions, mixed
    target = Path(mixmonitor[0]["File"])
    assert target.parent == rig.settings.asterisk.recordings_spool  # as Asterisk sees it
    file_id = target.stem
    assert rig.recorder.is_recording("att-1")

    rig.ami.hang_up("att-1", 3.0)
    await rig.settle()
    [row] = await rig.archive.listing()
    assert row.state is State.STORED and row.file_id == file_id
    assert abs(row.duration_s - 3.0) < 0.01 and row.stopped_by == ""
    assert not rig.recorder.is_recording("att-1")
    assert list(rig.settings.paths.recordings_spool.iterdir()) == []
    store = rig.settings.paths.recordings_dir
    assert [p.name for p in store.iterdir()] == [f"{file_id}.rec"]
    assert stat.S_IMODE((store / f"{file_id}.rec").stat().st_mode) == 0o600
    plain = rig.archive.vault().open(file_id, row.wrapped_key)
    assert plain == wav_header(len(tone(3.0)), closed=True) + tone(3.0)
    assert AudioSegment.from_wav(io.BytesIO(plain)).dBFS > -20
    key = rig.settings.recordings.key_file
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700

    outbox = rig.settings.paths.outbox_dir / "recordings"
    csv_file = outbox / f"録音報告_20270112_{file_id}.csv"
    text = csv_file.read_bytes().decode("cp932")
    assert text.count("\r\n") == 2 and "att-1" in text and "同意を得た" in text
    assert json.loads((outbox / f"録音報告_20270112_{file_id}.json").read_text())[
        "duration_s"] == "3.0"
    assert row.reported_at is not None and row.acknowledged_at is None
    assert [r.id for r in await rig.archive.unacknowledged()] == [row.id]


async def test_a_call_already_gone_or_a_refusal_is_reported_as_not_recorded(rig: Rig) -> None:
    await rig.recorder.started(await _flag(rig, "att-gone"), "op1")
    rig.ami.call("att-refused")
    rig.ami.refuse_mixmonitor = True
    await rig.recorder.started(await _flag(rig, "att-refused"), "op1")
    rows = {r.call_id: r for r in await rig.archive.listing()}
    assert rows["att-gone"].state is State.FAILED
    assert "already ended" in rows["att-gone"].failure
    assert rows["att-refused"].state is State.FAILED
    assert "refused" in rows["att-refused"].failure
    assert not rig.recorder.active
    assert len(list((rig.settings.paths.outbox_dir / "recordings").glob("*.csv"))) == 2
    assert [a["Action"] for a in rig.ami.actions].count("MixMonitor") == 1


async def test_a_second_flag_on_the_same_call_records_it_once(rig: Rig) -> None:
    rig.ami.call("att-1")
    await rig.recorder.started(await _flag(rig), "op1")
    await rig.recorder.started(await _flag(rig, reason="danger"), "kanri")
    assert [a["Action"] for a in rig.ami.actions].count("MixMonitor") == 1
    assert len(await rig.archive.listing()) == 1


async def test_a_manager_stops_it_and_the_call_goes_on(rig: Rig) -> None:
    rig.ami.call("att-1")
    await rig.recorder.started(await _flag(rig), "op1")
    [row] = await rig.archive.listing()
    with pytest.raises(RecordingRefused, match="stop the recording"):
        await rig.archive.erase("kanri", row.id, "instruction", "R-1")
    await rig.recorder.stop("kanri", row.id)
    await rig.settle()
    stopped = await rig.archive.get(row.id)
    assert stopped.state is State.STORED and stopped.stopped_by == "kanri"
    assert "att-1" in rig.ami.live  # the call itself is still up
    with pytest.raises(RecordingRefused, match="not running"):
        await rig.recorder.stop("kanri", row.id)
    rig.ami.hang_up("att-1", 1.0)
    await rig.settle()
    assert len(list(rig.settings.paths.recordings_dir.iterdir())) == 1
    async with rig.database.engine.connect() as conn:
        actions = [e.action for e in await audit.entries(conn)]
    assert "recording.stop" in actions


async def test_a_restart_finishes_what_ended_meanwhile_and_follows_what_goes_on(
        rig: Rig) -> None:
    rig.ami.call("att-up")
    rig.ami.call("att-gone")
    await rig.recorder.started(await _flag(rig, "att-up"), "op1")
    await rig.recorder.started(await _flag(rig, "att-gone"), "op1")
    # The service stops; meanwhile one call ends and Asterisk never closes its file (crash).
    rig.recorder.active.clear()
    rig.ami.finish("att-gone", 2.0, close=False)
    rig.ami.live.pop("att-gone")
    spool = rig.settings.paths.recordings_spool
    orphan = spool / f"{'e' * 32}.wav"  # sealed, but the service died before destroying it
    orphan.write_bytes(wav_header(4, closed=True) + b"\1" * 4)
    (spool / "README").write_text("not ours")
    restarted = _recorder(rig.settings, rig.database, rig.ami, rig.clock)
    await restarted.reconcile()
    assert not orphan.exists() and (spool / "README").exists()
    rows = {r.call_id: r for r in await restarted.archive.listing()}
    assert rows["att-gone"].state is State.STORED
    assert abs(rows["att-gone"].duration_s - 2.0) < 0.01  # header repaired
    assert rows["att-up"].state is State.RECORDING and restarted.is_recording("att-up")
    task = asyncio.create_task(restarted.run())
    try:
        rig.ami.hang_up("att-up", 1.0)
        for _ in range(100):
            if (await restarted.archive.get(rows["att-up"].id)).state is State.STORED:
                break
            await asyncio.sleep(0.02)
        assert (await restarted.archive.get(rows["att-up"].id)).state is State.STORED
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_erasure_destroys_the_file_and_keeps_the_record(rig: Rig) -> None:
    for call in ("att-1", "att-2"):
        rig.ami.call(call)
        await rig.recorder.started(await _flag(rig, call), "op1")
        rig.ami.hang_up(call, 1.0)
    await rig.settle()
    first, second = sorted(await rig.archive.listing(), key=lambda r: r.id)
    sealed = rig.archive.vault().path(first.file_id).read_bytes()

    with pytest.raises(RecordingRefused, match="instruction reference is required"):
        await rig.archive.erase("kanri", first.id, "instruction", "  ")
    assert (await rig.archive.get(first.id)).state is State.STORED  # nothing done
    erased = await rig.archive.erase("kanri", first.id, "instruction", "札幌市 R8-7")
    assert erased.state is State.ERASED and erased.erased_by == "kanri"
    assert not rig.archive.vault().path(first.file_id).exists()
    for path in rig.settings.base_dir.rglob("*"):
        if path.is_file() and path.suffix in (".rec", ".wav", ".part"):
            assert path.name.startswith(second.file_id), path
            assert sealed[-64:] not in path.read_bytes()
    with pytest.raises(RecordingRefused):
        await rig.archive.audio("kanri", first.id, "play")
    with pytest.raises(RecordingRefused):
        await rig.archive.erase("kanri", first.id, "instruction", "again")
    erasure = (rig.settings.paths.outbox_dir / "recordings" /
               f"録音消去報告_20270112_{first.file_id}.csv").read_bytes().decode("cp932")
    assert "札幌市 R8-7" in erasure and "kanri" in erasure

    with pytest.raises(RecordingNotFound):
        await rig.archive.erase_call("kanri", "att-none", "R")
    [gone] = await rig.archive.erase_call("kanri", "att-2", "R8-8")
    assert gone.id == second.id and list(rig.settings.paths.recordings_dir.iterdir()) == []
    async with rig.database.engine.connect() as conn:
        erasures = (await conn.execute(select(RecordingErasure.recording_id,
                                              RecordingErasure.reason,
                                              RecordingErasure.reference))).all()
        logged = [e.detail.get("reference") for e in await audit.entries(conn)
                  if e.action == "recording.erase"]
        assert (await audit.verify(conn)).ok
    assert sorted(erasures) == [(first.id, "instruction", "札幌市 R8-7"),
                                (second.id, "instruction", "R8-8")]
    assert sorted(logged) == ["R8-8", "札幌市 R8-7"]


async def test_recordings_are_kept_until_the_city_instructs(rig: Rig) -> None:
    """The default ``retention_days = 0``: no automatic erasure, however old (SPEC §14(7))."""
    assert rig.settings.recordings.retention_days == 0
    rig.ami.call("att-1")
    await rig.recorder.started(await _flag(rig), "op1")
    rig.ami.hang_up("att-1", 1.0)
    await rig.settle()
    rig.clock.advance(timedelta(days=3651).total_seconds())
    assert await rig.archive.erase_expired() == 0
    await rig.archive.retention_job()
    [row] = await rig.archive.listing()
    assert row.state is State.STORED
    assert len(list(rig.settings.paths.recordings_dir.iterdir())) == 1


async def test_the_retention_limit_erases_automatically_when_the_toml_opts_in(
        rig: Rig) -> None:
    opted = dataclasses.replace(rig.settings, recordings=dataclasses.replace(
        rig.settings.recordings, retention_days=90))
    archive = RecordingArchive(rig.database, lambda: opted, rig.clock)
    rig.ami.call("att-1")
    await rig.recorder.started(await _flag(rig), "op1")
    rig.ami.hang_up("att-1", 1.0)
    await rig.settle()
    assert await archive.erase_expired() == 0
    rig.clock.advance(timedelta(days=89, hours=23).total_seconds())
    assert await archive.erase_expired() == 0
    rig.clock.advance(3600)
    await archive.retention_job()
    [row] = await archive.listing()
    assert row.state is State.ERASED and row.erased_by == "system"
    assert row.erasure_reason == "retention"
    assert list(rig.settings.paths.recordings_dir.iterdir()) == []


async def test_the_key_is_guarded(settings: Settings, tmp_path: Path) -> None:
    vault = Vault(tmp_path / "store", tmp_path / "keys" / "k")
    vault.key()
    assert stat.S_IMODE((tmp_path / "keys" / "k").stat().st_mode) == 0o600
    plain = tmp_path / "x.wav"
    plain.write_bytes(wav_header(8, closed=True) + b"\1" * 8)
    sealed = vault.seal(plain, "a" * 32)
    (tmp_path / "keys" / "k").chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        Vault(tmp_path / "store", tmp_path / "keys" / "k").key()
    (tmp_path / "keys" / "k").unlink()
    with pytest.raises(VaultError, match="restore the key"):
        Vault(tmp_path / "store", tmp_path / "keys" / "k").key()
    other = Vault(tmp_path / "store", tmp_path / "keys" / "other")
    (tmp_path / "store" / f"{'a' * 32}.rec").rename(tmp_path / "elsewhere.rec")
    other.key()  # an empty store: a new key may be made
    (tmp_path / "elsewhere.rec").rename(tmp_path / "store" / f"{'a' * 32}.rec")
    with pytest.raises(VaultError, match="wrapped under another recordings key"):
        other.open("a" * 32, sealed.wrapped_key)


async def test_hooks_run_in_order_and_the_recorder_never_raises(rig: Rig) -> None:
    seen: list[str] = []

    async def alert(flag: EmergencyFlag, login: str) -> None:
        seen.append(f"alert {flag.call_id} {login}")

    async def record(flag: EmergencyFlag, login: str) -> None:
        seen.append("record")
        await rig.recorder.started(flag, login)

    hook = emergency_hooks(record, alert)
    await hook(await _flag(rig, "att-x"), "op1")  # no such channel: reported, not raised
    assert seen == ["record", "alert att-x op1"]
    [row] = await rig.archive.listing()
    assert row.state is State.FAILED
