"""Destroying files that held personal data: overwrite with zeros, flush to the disk, unlink.

What this can and cannot do, said once: the file's own blocks are overwritten in place before
the name goes, so nothing is left to read through the file system or an undelete tool. Copies
the storage made by itself (journaling or copy-on-write file systems, SSD wear levelling,
backups, snapshots) are out of a program's reach; that is why emergency recordings are stored
encrypted, so that dropping the key destroys every copy at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

BLOCK = 1 << 20
METHOD = ("files: overwritten with zeros in place, flushed to disk (fsync), then unlinked "
          "/ ゼロで上書き・ディスクへ書き出し後に削除")


def shred(path: Path) -> None:
    """Overwrite ``path`` with zeros, fsync, unlink (a symlink is only unlinked)."""
    if path.is_symlink() or not path.is_file():
        path.unlink(missing_ok=True)
        return
    size = path.stat().st_size
    zeros = bytes(min(BLOCK, size or 1))
    fd = os.open(path, os.O_WRONLY)
    try:
        written = 0
        while written < size:
            written += os.write(fd, zeros[:min(BLOCK, size - written)])
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()


def shred_all(paths: Iterable[Path]) -> int:
    """Shred every path; how many files there were."""
    count = 0
    for path in paths:
        if path.exists() or path.is_symlink():
            shred(path)
            count += 1
    return count


def files_in(folder: Path) -> list[Path]:
    """Every file under ``folder`` (recursively; symlinks listed, never followed)."""
    if not folder.is_dir():
        return []
    found = []
    for root, dirs, names in os.walk(folder):  # symlinked folders are listed, not entered
        found.extend(Path(root) / n for n in names)
        found.extend(Path(root) / d for d in dirs if (Path(root) / d).is_symlink())
    return sorted(found)
