"""A byte scan of files for many fixed strings at once (the erasure certificate's check).

GNU grep does the searching (``grep -F``: Aho-Corasick, hundreds of MB/s whatever the number
of strings). The strings are personal data, so they never touch the disk: grep reads them from
a pipe (``-f /dev/fd/N``) and answers on another pipe; only the *kind* of what was found and
where is returned. ZIP containers (``.xlsx`` reports) are searched member by member after
decompression, since their deflated bytes would hide every string.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CHUNK = 200  # files per grep run (argument list length)


class ScanError(OSError):
    """The scan itself failed (a file unreadable, grep broken): nothing can be certified."""


@dataclass(frozen=True)
class Hit:
    path: Path
    member: str  # the ZIP member, "" for a plain file
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ScanResult:
    files: int
    bytes: int
    hits: list[Hit]


def files_under(roots: Iterable[Path], skip: Iterable[Path] = ()) -> list[Path]:
    """Every regular file under ``roots`` (files themselves included), symlinks not followed,
    ``skip`` folders left out; sorted, each once."""
    skipped = {p.resolve() for p in skip}
    found: set[Path] = set()
    for root in roots:
        if root.is_symlink():
            continue
        if root.is_file():
            found.add(root.resolve())
            continue
        if not root.is_dir() or root.resolve() in skipped:
            continue
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if (Path(folder) / d).resolve() not in skipped
                       and not (Path(folder) / d).is_symlink()]
            for name in names:
                path = Path(folder) / name
                if path.is_file() and not path.is_symlink():
                    found.add(path.resolve())
    return sorted(found)


def scan(files: Sequence[Path], needles: Mapping[bytes, str]) -> ScanResult:
    """Search every file (and every member of a ZIP file) for every needle; where each needle
    kind was found. Needles must be non-empty and hold no newline."""
    patterns = [n for n in needles if n and b"\n" not in n and b"\0" not in n]
    hits: list[Hit] = []
    plain: list[Path] = []
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
            if zipfile.is_zipfile(path):
                hits.extend(_zip_hits(path, patterns, needles))
            else:
                plain.append(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ScanError(f"cannot scan {path}: {exc}") from exc
    for start in range(0, len(plain), CHUNK):
        hits.extend(_file_hits(plain[start:start + CHUNK], patterns, needles))
    return ScanResult(len(files), total, hits)


def _zip_hits(path: Path, patterns: list[bytes], needles: Mapping[bytes, str]) -> list[Hit]:
    hits = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            found = _search(data, patterns)
            if found:
                hits.append(Hit(path, info.filename, _kinds(found, needles)))
    return hits


def _file_hits(paths: list[Path], patterns: list[bytes], needles: Mapping[bytes, str]
               ) -> list[Hit]:
    if not patterns or not paths:
        return []
    if shutil.which("grep") is None:  # not on Debian; kept so the check never silently passes
        return [Hit(p, "", _kinds(_naive(p.read_bytes(), patterns), needles))
                for p in paths if _naive(p.read_bytes(), patterns)]
    output = _grep(["-H", "-Z", "--", *map(str, paths)], patterns)
    found: dict[Path, set[bytes]] = {}
    for line in output.split(b"\n"):
        if b"\0" in line:
            name, match = line.split(b"\0", 1)
            found.setdefault(Path(os.fsdecode(name)), set()).add(match)
    return [Hit(p, "", _kinds(m, needles)) for p, m in sorted(found.items())]


def _search(data: bytes, patterns: list[bytes]) -> set[bytes]:
    if not patterns or not data:
        return set()
    if shutil.which("grep") is None:
        return _naive(data, patterns)
    return {m for m in _grep(["-"], patterns, data).split(b"\n") if m}


def _naive(data: bytes, patterns: list[bytes]) -> set[bytes]:
    return {p for p in patterns if p in data}


def _kinds(matches: Iterable[bytes], needles: Mapping[bytes, str]) -> tuple[str, ...]:
    return tuple(sorted({needles.get(m, "?") for m in matches}))


def _grep(args: list[str], patterns: list[bytes], stdin: bytes | None = None) -> bytes:
    """``grep -a -F -o -f <pipe> ARGS``; its output (exit 1, nothing found, is no error)."""
    read_fd, write_fd = os.pipe()
    feeder = threading.Thread(target=_feed, args=(write_fd, patterns), daemon=True)
    try:
        feeder.start()
        result = subprocess.run(
            ["grep", "-a", "-F", "-o", "-f", f"/dev/fd/{read_fd}", *args],
            input=stdin if stdin is not None else b"", capture_output=True,
            pass_fds=(read_fd,), env={**os.environ, "LC_ALL": "C"}, check=False)
    finally:
        os.close(read_fd)
        feeder.join()
    if result.returncode not in (0, 1):
        raise ScanError(f"grep failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _feed(fd: int, patterns: list[bytes]) -> None:
    try:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(b"\n".join(patterns) + b"\n")
    except BrokenPipeError:  # grep stopped early (an error it reports itself)
        pass
