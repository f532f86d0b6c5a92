"""A backup file: a gzipped tar of named members, sealed with AES-256-GCM
(``recordings_policy.sealing``, chunked) as it is written — no plain copy ever reaches the disk
through this module. Reading it back checks every chunk (a wrong key, a changed or cut file is
refused) and accepts only the member names a backup holds (no path, no link, no device).

The tar is streamed through a pipe between a producer thread and the sealing (or unsealing)
loop, so memory stays flat whatever the size of the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import tarfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from recordings_policy import sealing

FILE_ID = "dialer-backup"
MANIFEST = "manifest.json"
READ_BYTES = 256 * 1024
# What a backup may hold: its manifest, the database (a SQLite file or a pg_dump), and the
# sealed recordings (already encrypted, each under its own data key, wrapped in the database).
MEMBER = re.compile(r"^(manifest\.json|database\.(sqlite3|pgdump)|recordings/[0-9a-f]{32}\.rec)$")


class ArchiveError(Exception):
    """The backup cannot be written or read; the message says why."""


class _Producer(threading.Thread):
    """Runs ``work(sink)`` writing into the pipe's write end; keeps its exception."""

    def __init__(self, work: Callable[[BinaryIO], None], fd: int) -> None:
        super().__init__(daemon=True)
        self._work, self._fd = work, fd
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with os.fdopen(self._fd, "wb") as sink:
                self._work(sink)
        except BaseException as exc:  # handed to the joining thread
            self.error = exc


def _chunks(source: BinaryIO) -> Iterator[bytes]:
    while piece := source.read(READ_BYTES):
        yield piece


def write(out: Path, key: bytes, members: list[tuple[str, Path]],
          manifest: dict[str, Any]) -> str:
    """Write the sealed backup ``out`` (0600; under a temporary name until complete) holding
    ``manifest`` and the files ``members`` (archive name, path); its sha256."""
    for name, _path in members:
        if not MEMBER.match(name):
            raise ArchiveError(f"not a backup member: {name}")

    def produce(sink: BinaryIO) -> None:
        with tarfile.open(fileobj=sink, mode="w|gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in members:
                tar.add(path, arcname=name, recursive=False)

    read_fd, write_fd = os.pipe()
    producer = _Producer(produce, write_fd)
    partial = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
    digest = hashlib.sha256()
    producer.start()
    try:
        with os.fdopen(read_fd, "rb") as source, _private(partial) as target:
            prefix = secrets.token_bytes(sealing.PREFIX_BYTES)
            for piece in sealing.seal(_chunks(source), key, FILE_ID, prefix):
                target.write(piece)
                digest.update(piece)
            target.flush()
            os.fsync(target.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        producer.join()
    if producer.error is not None:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"backup not written: {producer.error}") from producer.error
    os.replace(partial, out)
    return digest.hexdigest()


def _private(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def read(path: Path, key: bytes, into: Path) -> dict[str, Any]:
    """Unseal ``path`` into the folder ``into`` (files 0600); the manifest. Raises ArchiveError
    for a wrong key, a changed or cut file, or a member a backup never holds."""
    def produce(sink: BinaryIO) -> None:
        with path.open("rb") as sealed:
            for plain in sealing.unseal(sealed.read, key, FILE_ID):
                sink.write(plain)

    read_fd, write_fd = os.pipe()
    producer = _Producer(produce, write_fd)
    producer.start()
    manifest: dict[str, Any] | None = None
    failure: Exception | None = None
    try:
        with os.fdopen(read_fd, "rb") as source:  # closed first: a blocked producer ends
            manifest = _extract(source, into)
    except (tarfile.TarError, EOFError, OSError, ValueError, ArchiveError) as exc:
        failure = exc
    finally:
        producer.join()
    if producer.error is not None and not isinstance(producer.error, BrokenPipeError):
        raise ArchiveError(f"{path.name} cannot be opened: {producer.error}")
    if isinstance(failure, ArchiveError):
        raise failure
    if failure is not None:
        raise ArchiveError(f"{path.name} is not a readable backup: {failure}")
    if manifest is None:
        raise ArchiveError(f"{path.name} holds no manifest")
    return manifest


def _extract(source: BinaryIO, into: Path) -> dict[str, Any] | None:
    manifest = None
    with tarfile.open(fileobj=source, mode="r|gz") as tar:
        for member in tar:
            if not member.isfile() or not MEMBER.match(member.name):
                raise ArchiveError(f"refused member {member.name!r}")
            data = tar.extractfile(member)
            if data is None:
                raise ArchiveError(f"unreadable member {member.name!r}")
            if member.name == MANIFEST:
                manifest = json.loads(data.read().decode())
                continue
            target = into / member.name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with _private(target) as out:
                for piece in _chunks(data):
                    out.write(piece)
    return manifest
