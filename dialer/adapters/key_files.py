"""Key files: 32 random bytes as hex, mode 0600 in a 0700 folder, kept apart from what they
protect (the recordings key beside no recording, the backup key beside no backup). A key file
readable by group or others is refused; a key is created only when the caller says none may
exist yet (never a silent new key over data sealed with a lost one)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

KEY_BYTES = 32

log = logging.getLogger(__name__)


class KeyFileError(Exception):
    """The key file cannot be used; the message says why."""


def read_key(path: Path, what: str) -> bytes:
    """The key in ``path``; ``what`` names it in errors ("recordings key", "backup key")."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(f"{path}: no {what} there") from None
    if mode & 0o077:
        raise KeyFileError(f"{path} is readable by others: chmod 600 it")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise KeyFileError(f"{path} does not hold a {what}") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path} does not hold a {KEY_BYTES}-byte key")
    return key


def create_key(path: Path, what: str) -> bytes:
    """A new key in ``path`` (which must not exist), synced to disk."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
        f.flush()
        os.fsync(f.fileno())
    log.warning("created the %s %s: keep a copy apart from what it protects", what, path)
    return key
