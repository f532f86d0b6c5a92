"""Folders another user reads: Asterisk plays the callback messages from ``[paths] sounds_dir``
and includes the calendar from ``[asterisk] conf_dir/dialer``. The service runs with umask 0077
(everything it writes is private), so these folders are made 0755 explicitly, each level it
creates, and their files 0644 by their writers; ``blocked`` tells ``dialer doctor`` where another
user is stopped on the way."""

from __future__ import annotations

import stat
from pathlib import Path

READABLE_DIR = 0o755


def make(folder: Path) -> None:
    """``folder`` and any missing parent, each created 0755 (an existing one is left as it is)."""
    missing: list[Path] = []
    level = folder
    while not level.exists():
        missing.append(level)
        level = level.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
        created.chmod(READABLE_DIR)


def blocked(path: Path) -> Path | None:
    """The first place another user cannot pass on the way to read ``path``: a parent folder
    without ``o+x``, ``path`` itself (a folder without ``o+rx``, a file without ``o+r``); None
    when another user can read it, or when it does not exist."""
    if not path.exists():
        return None
    for parent in reversed(path.absolute().parents):
        if not parent.stat().st_mode & stat.S_IXOTH:
            return parent
    mode = path.stat().st_mode
    need = stat.S_IROTH | stat.S_IXOTH if path.is_dir() else stat.S_IROTH
    return None if mode & need == need else path
