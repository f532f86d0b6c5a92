"""The recordings store on disk: the key file, sealing a finished MixMonitor file into the store
(``recordings_policy.sealing``, AES-256-GCM), opening one in memory, destroying files.

* Every recording is sealed with a data key of its own (32 random bytes drawn for it alone).
  The data key never reaches the disk plain: :meth:`Vault.seal` returns it wrapped under the
  recordings key, and the caller keeps that wrapped key (the recording's database row) — the
  only copy. Destroying it makes every copy of the sealed file unreadable (a copy of the store,
  a file-system snapshot, blocks the disk kept); destroying the recordings key does that for
  every recording at once.
* The recordings key is 32 random bytes in ``[recordings] key_file`` (hex, mode 0600, folder
  0700), kept outside the data folder, the database and the store (a copy of the data never
  carries it). It is created only when none exists *and* the store holds no sealed recording
  (a missing key with recordings present is an error, never a silent new key). A key file
  readable by group or others is refused.
* Files sealed before per-recording keys (format 1, sealed with the recordings key itself) are
  still opened, read-only, when their row holds no wrapped key.
* A sealed file is written next to its final name, synced, then renamed into place: a crash
  never leaves half a recording under a real name.
* Plain audio (the MixMonitor spool file) is overwritten with zeros, synced and unlinked.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dialer.adapters import key_files
from recordings_policy import sealing
from recordings_policy.lifecycle import STORE_SUFFIX, store_name

log = logging.getLogger(__name__)

WAV_HEADER_BYTES = 44
WIPE_BLOCK = 1024 * 1024


class VaultError(Exception):
    """The store or its key cannot be used; the message says why."""


@dataclass(frozen=True)
class Sealed:
    size: int  # plain bytes
    key_id: str  # the recordings key that wraps the data key (hex of its id)
    wrapped_key: str  # hex: the recording's data key, wrapped; its only copy


def _read_key(path: Path) -> bytes:
    try:
        return key_files.read_key(path, "recordings key")
    except key_files.KeyFileError as exc:
        raise VaultError(str(exc)) from None


def _create_key(path: Path) -> bytes:
    return key_files.create_key(path, "recordings key")


class Vault:
    def __init__(self, store_dir: Path, key_file: Path) -> None:
        self.store_dir, self.key_file = store_dir, key_file
        self._key: bytes | None = None

    def key(self) -> bytes:
        if self._key is None:
            if self.key_file.exists():
                self._key = _read_key(self.key_file)
            elif self.sealed_count():
                raise VaultError(f"the recordings key {self.key_file} is missing but the store "
                                 "holds recordings: restore the key file")
            else:
                self._key = _create_key(self.key_file)
        return self._key

    def key_id(self) -> str:
        return sealing.key_id(self.key()).hex()

    def sealed_count(self) -> int:
        if not self.store_dir.is_dir():
            return 0
        return sum(1 for p in self.store_dir.iterdir() if p.suffix == STORE_SUFFIX)

    def path(self, file_id: str) -> Path:
        return self.store_dir / store_name(file_id)

    def seal(self, plain: Path, file_id: str) -> Sealed:
        """Seal the plain file ``plain`` into the store as ``<file_id>.rec`` under a new data
        key; the data key comes back only wrapped (keep it: it is the only copy)."""
        kek = self.key()
        data_key = secrets.token_bytes(sealing.KEY_BYTES)
        wrapped = sealing.wrap(kek, data_key, file_id,
                               secrets.token_bytes(sealing.WRAP_NONCE_BYTES))
        self.store_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = self.path(file_id)
        partial = target.with_name(f".{target.name}.part")
        sizes: list[int] = []
        with os.fdopen(regular(plain), "rb") as source, partial.open("wb") as out:
            os.chmod(partial, 0o600)
            for piece in sealing.seal(_blocks(source, sizes), data_key, file_id,
                                      secrets.token_bytes(sealing.PREFIX_BYTES),
                                      magic=sealing.MAGIC_DATA_KEY):
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)
        _sync_dir(self.store_dir)
        return Sealed(sum(sizes), sealing.key_id(kek).hex(), wrapped.hex())

    def open(self, file_id: str, wrapped_key: str) -> bytes:
        """The plain recording, in memory, opened with its wrapped key (hex, as ``seal``
        returned it; "" for a file sealed before per-recording keys). Raises VaultError when it
        cannot be read: the key destroyed, wrapped under another recordings key, damaged."""
        path = self.path(file_id)
        try:
            with path.open("rb") as f:
                magic = sealing.magic_of(f.read(len(sealing.MAGIC)))
                f.seek(0)
                key = self._data_key(magic, file_id, wrapped_key)
                return b"".join(sealing.unseal(f.read, key, file_id, magic))
        except FileNotFoundError:
            raise VaultError("the recording's file is not in the store") from None
        except sealing.SealError as exc:
            raise VaultError(str(exc)) from None

    def _data_key(self, magic: bytes, file_id: str, wrapped_key: str) -> bytes:
        if magic == sealing.MAGIC:  # format 1: sealed with the recordings key itself
            if wrapped_key:
                raise VaultError("the recording's file was replaced by one in the old format")
            return self.key()
        try:
            wrapped = bytes.fromhex(wrapped_key)
        except ValueError:
            raise VaultError("the recording's key is not a wrapped key (damaged)") from None
        return sealing.unwrap(self.key(), wrapped, file_id)

    def destroy(self, file_id: str) -> bool:
        """Overwrite and remove the sealed file; True if there was one. (Its wrapped key is
        destroyed by whoever keeps it.)"""
        return shred(self.path(file_id))


def _blocks(source: BinaryIO, sizes: list[int]) -> Iterator[bytes]:
    while block := source.read(sealing.CHUNK_BYTES):
        sizes.append(len(block))
        yield block


def regular(path: Path, flags: int = os.O_RDONLY) -> int:
    """A descriptor on ``path`` only if it is a regular file, never through a symlink
    (``O_NOFOLLOW``): a link planted in the spool or the store cannot make the service read,
    seal or wipe another file."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise VaultError(f"{path.name} is a symbolic link, not a recording") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise VaultError(f"{path.name} is not a regular file")
    return fd


def shred(path: Path) -> bool:
    """Overwrite ``path`` with zeros, sync, unlink; True if it existed. A symlink is only
    unlinked (its target is never touched), as is anything that is not a regular file."""
    try:
        fd = regular(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    except VaultError:
        path.unlink(missing_ok=True)
        return True
    with os.fdopen(fd, "r+b") as f:
        size = os.fstat(fd).st_size
        done = 0
        while done < size:
            step = min(WIPE_BLOCK, size - done)
            f.write(b"\0" * step)
            done += step
        f.flush()
        os.fsync(f.fileno())
    path.unlink(missing_ok=True)
    _sync_dir(path.parent)
    return True


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def wav_closed(path: Path) -> bool:
    """Whether Asterisk has finished writing this WAV: ``format_wav`` fills in the RIFF and data
    sizes only when it closes the file, so they match the file's length only then."""
    try:
        with path.open("rb") as f:
            header = f.read(WAV_HEADER_BYTES)
            length = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        return False
    if len(header) < WAV_HEADER_BYTES or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return False
    riff, data = struct.unpack("<I", header[4:8])[0], struct.unpack("<I", header[40:44])[0]
    return bool(riff == length - 8 and data == length - WAV_HEADER_BYTES)


def repair_wav(path: Path) -> None:
    """Fill in the sizes of a WAV Asterisk never closed (it crashed or was killed)."""
    length = path.stat().st_size
    if length < WAV_HEADER_BYTES:
        raise VaultError("the recording holds no audio")
    with os.fdopen(regular(path, os.O_RDWR), "r+b") as f:
        f.seek(4)
        f.write(struct.pack("<I", length - 8))
        f.seek(40)
        f.write(struct.pack("<I", length - WAV_HEADER_BYTES))
        f.flush()
        os.fsync(f.fileno())


def wav_seconds(path: Path) -> float:
    """The duration of an 8 kHz-or-other PCM WAV from its header (Asterisk's format_wav)."""
    with path.open("rb") as f:
        header = f.read(WAV_HEADER_BYTES)
    if len(header) < WAV_HEADER_BYTES:
        return 0.0
    byte_rate = struct.unpack("<I", header[28:32])[0]
    data = struct.unpack("<I", header[40:44])[0]
    return data / byte_rate if byte_rate else 0.0
