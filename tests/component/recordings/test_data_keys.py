"""Every emergency recording has a data key of its own, kept only wrapped under the recordings key
in its row: erasing one recording destroys its key, so a copy of its sealed file (a backup of the
store, a snapshot) can no longer be opened, while the others still open; the sealed file with
another recordings key opens nothing; a damaged wrapped key is a clear error, never audio."""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.adapters.db.recordings import RecordingRow
from dialer.adapters.recording_vault import Vault, VaultError
from dialer.config import Settings
from dialer.services.recordings.archive import RecordingArchive, RecordingRefused
from recordings_policy import lifecycle, sealing
from recordings_policy.lifecycle import State
from tests.component.recordings.kit import flagged, tone, wav_header
from tests.component.web.kit import Clock

A, B = "a" * 32, "b" * 32
AUDIO = wav_header(len(tone(1.0)), closed=True) + tone(1.0)


def _vault(tmp_path: Path, key: str = "recordings.key") -> Vault:
    return Vault(tmp_path / "store", tmp_path / "keys" / key)


def _plain(tmp_path: Path, name: str = "spool.wav") -> Path:
    path = tmp_path / name
    path.write_bytes(AUDIO)
    return path


async def _stored(archive: RecordingArchive, database: Database, settings: Settings,
                  clock: Clock, call_id: str) -> RecordingRow:
    """A recording of ``call_id`` that ended and went to the store."""
    start = lifecycle.begin(await flagged(database, call_id, clock()), os.urandom(16).hex())
    recording_id = await archive.open(start, "op1")
    settings.paths.recordings_spool.mkdir(parents=True, exist_ok=True)
    spool = settings.paths.recordings_spool / lifecycle.spool_name(start.file_id)
    spool.write_bytes(AUDIO)
    return await archive.store(recording_id, spool, "")


def test_two_recordings_have_independent_data_keys(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    first, second = vault.seal(_plain(tmp_path), A), vault.seal(_plain(tmp_path), B)
    assert first.key_id == second.key_id == sealing.key_id(vault.key()).hex()
    assert first.wrapped_key != second.wrapped_key
    keys = [sealing.unwrap(vault.key(), bytes.fromhex(s.wrapped_key), f)
            for s, f in ((first, A), (second, B))]
    assert keys[0] != keys[1] and vault.key() not in keys
    blobs = [vault.path(f).read_bytes() for f in (A, B)]
    for blob, key in zip(blobs, keys, strict=True):
        _, kid, _, _ = sealing.read_header(io.BytesIO(blob).read, sealing.MAGIC_DATA_KEY)
        assert kid == sealing.key_id(key)  # each file sealed under its own key
        assert key.hex() not in first.wrapped_key + second.wrapped_key
    assert vault.open(A, first.wrapped_key) == vault.open(B, second.wrapped_key) == AUDIO
    with pytest.raises(VaultError, match="another recording's"):
        vault.open(A, second.wrapped_key)  # B's key, given to A
    shutil.copy(vault.path(A), vault.path(B))  # A's file put in B's place, B's key
    with pytest.raises(VaultError, match="sealed with another key"):
        vault.open(B, second.wrapped_key)


def test_the_sealed_file_with_another_recordings_key_opens_nothing(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    sealed = vault.seal(_plain(tmp_path), A)
    other = _vault(tmp_path, "other.key")
    other.key_file.parent.mkdir(parents=True, exist_ok=True)
    other.key_file.write_text(os.urandom(32).hex() + "\n")
    other.key_file.chmod(0o600)
    with pytest.raises(VaultError, match="wrapped under another recordings key"):
        other.open(A, sealed.wrapped_key)
    with pytest.raises(VaultError, match="destroyed"):
        other.open(A, "")  # the file alone
    forged = sealing.wrap(other.key(), os.urandom(32), A, os.urandom(12)).hex()
    with pytest.raises(VaultError, match="sealed with another key"):
        other.open(A, forged)  # a key of its own choosing, wrapped right: still not the file's


def test_a_damaged_wrapped_key_is_a_clear_error_not_audio(tmp_path: Path) -> None:
    vault = _vault(tmp_path)
    wrapped = vault.seal(_plain(tmp_path), A).wrapped_key
    flipped = wrapped[:40] + ("0" if wrapped[40] != "0" else "1") + wrapped[41:]
    for bad, message in ((flipped, "does not unwrap"), (wrapped[:-2], "not a wrapped key"),
                         ("zz" + wrapped[2:], "not a wrapped key"), ("", "destroyed")):
        with pytest.raises(VaultError, match=message):
            vault.open(A, bad)


def test_a_file_of_the_old_format_is_still_read(tmp_path: Path) -> None:
    """Format 1 (sealed with the recordings key itself), from before per-recording keys: opened
    read-only when its row holds no wrapped key; never given a wrapped key."""
    vault = _vault(tmp_path)
    vault.store_dir.mkdir(parents=True)
    vault.path(A).write_bytes(b"".join(sealing.seal([AUDIO], vault.key(), A, os.urandom(8))))
    assert vault.open(A, "") == AUDIO
    other = vault.seal(_plain(tmp_path), B).wrapped_key
    with pytest.raises(VaultError, match="old format"):
        vault.open(A, other)


async def test_erasing_one_recording_destroys_its_key_the_other_still_opens(
        settings: Settings, database: Database, tmp_path: Path) -> None:
    clock = Clock()
    archive = RecordingArchive(database, lambda: settings, clock)
    first = await _stored(archive, database, settings, clock, "att-1")
    second = await _stored(archive, database, settings, clock, "att-2")
    assert first.state is State.STORED and len(first.wrapped_key) == 2 * sealing.WRAPPED_BYTES
    copy = tmp_path / "backup-of-the-store.rec"  # a copy of the sealed file kept elsewhere
    shutil.copy(archive.vault().path(first.file_id), copy)

    erased = await archive.erase("kanri", first.id, "instruction", "R8-9")
    assert erased.state is State.ERASED and erased.wrapped_key == ""
    shutil.copy(copy, archive.vault().path(first.file_id))  # restored from that copy
    with pytest.raises(VaultError, match="destroyed"):
        archive.vault().open(first.file_id, erased.wrapped_key)
    with pytest.raises(RecordingRefused, match="erased"):
        await archive.audio("kanri", first.id, "play")
    _row, plain = await archive.audio("kanri", second.id, "play")
    assert plain == AUDIO


async def test_the_retention_limit_overwrites_the_file_and_destroys_the_key(
        settings: Settings, database: Database, tmp_path: Path) -> None:
    clock = Clock()
    settings = dataclasses.replace(settings, recordings=dataclasses.replace(
        settings.recordings, retention_days=90))  # opted in: the default never erases
    archive = RecordingArchive(database, lambda: settings, clock)
    row = await _stored(archive, database, settings, clock, "att-1")
    sealed = archive.vault().path(row.file_id)
    size = sealed.stat().st_size
    same_inode = tmp_path / "same-inode.rec"  # sees the file's own blocks after it is unlinked
    os.link(sealed, same_inode)
    clock.advance(timedelta(days=settings.recordings.retention_days, hours=1).total_seconds())

    assert await archive.erase_expired() == 1
    gone = await archive.get(row.id)
    assert gone.state is State.ERASED and gone.erasure_reason == "retention"
    assert gone.wrapped_key == ""
    assert not sealed.exists()
    assert same_inode.read_bytes() == bytes(size)  # overwritten in place, not just unlinked
    db_file = config.database_file(settings)
    assert db_file is not None
    for path in (db_file, db_file.with_name(db_file.name + "-wal")):
        if path.exists():  # the old value is not left in a free cell or an older page image
            assert row.wrapped_key.encode() not in path.read_bytes(), path
