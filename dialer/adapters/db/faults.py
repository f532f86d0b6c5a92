"""Database faults that pass: the file held by another writer longer than ``busy_timeout``, the
disk full, an I/O error, the server refusing connections for a while.

The transaction that met one was rolled back whole, so the same request may be sent again once
the fault clears; the web app answers 503 (agent_ui/app.py) instead of a 500. Any other database
error (a constraint, a bug) is not one of these and is not retried.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

LOCKED = "locked"  # another writer holds the database (SQLite busy/locked, a lock timeout)
FULL = "full"  # no space left (disk, quota, PostgreSQL's "insufficient resources")
IO = "io"  # the file or server cannot be read or written now

_SQLITE = {"SQLITE_BUSY": LOCKED, "SQLITE_LOCKED": LOCKED, "SQLITE_FULL": FULL,
           "SQLITE_IOERR": IO, "SQLITE_CANTOPEN": IO}
_SQLITE_TEXT = (("database is locked", LOCKED), ("database table is locked", LOCKED),
                ("database or disk is full", FULL), ("disk i/o error", IO),
                ("unable to open database file", IO))
_ERRNO = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EIO: IO, errno.EROFS: IO}
# PostgreSQL SQLSTATE prefixes: lock not available, query cancelled (lock_timeout), serialization
# failure, deadlock, insufficient resources, operator intervention, connection exception.
_SQLSTATE = (("55P03", LOCKED), ("57014", LOCKED), ("40001", LOCKED), ("40P01", LOCKED),
             ("53", FULL), ("57P0", IO), ("08", IO))


def transient(error: BaseException) -> str | None:
    """The kind of passing fault ``error`` is (LOCKED, FULL or IO), or None."""
    for cause in _causes(error):
        kind = _kind(cause)
        if kind is not None:
            return kind
    return None


def name(error: BaseException) -> str:
    """A short, data-free name of the error for the log (never its message: SQLAlchemy's
    carries the statement's parameters, which may be personal data)."""
    for cause in _causes(error):
        code = getattr(cause, "sqlite_errorname", None) or getattr(cause, "sqlstate", None)
        if isinstance(code, str) and code:
            return code
        if isinstance(cause, OSError) and cause.errno is not None:
            return errno.errorcode.get(cause.errno, str(cause.errno))
    return type(error).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        cause = todo.pop(0)
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        todo.extend((getattr(cause, "orig", None), cause.__cause__, cause.__context__))


def _kind(cause: BaseException) -> str | None:
    if isinstance(cause, sa_exc.TimeoutError):  # no pooled connection came free in time
        return LOCKED
    if isinstance(cause, OSError):
        return _ERRNO.get(cause.errno or 0)
    if isinstance(cause, sqlite3.Error):
        return _sqlite_kind(cause)
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if isinstance(state, str):  # asyncpg's errors, as SQLAlchemy adapts them
        return next((kind for prefix, kind in _SQLSTATE if state.startswith(prefix)), None)
    return None


def _sqlite_kind(error: sqlite3.Error) -> str | None:
    code = getattr(error, "sqlite_errorname", "") or ""
    for prefix, kind in _SQLITE.items():
        if code == prefix or code.startswith(prefix + "_"):
            return kind
    text = str(error).lower()
    return next((kind for words, kind in _SQLITE_TEXT if words in text), None)

