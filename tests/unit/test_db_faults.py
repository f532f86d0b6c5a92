"""Which database errors are passing faults (answered 503, sent again) and which are not."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy import exc as sa_exc

from dialer.adapters.db import faults


def sqlite_error(message: str, name: str, kind: type[sqlite3.Error] = sqlite3.OperationalError
                 ) -> sqlite3.Error:
    error = kind(message)
    error.sqlite_errorname = name  # as sqlite3 sets it (Python 3.11+)
    return error


def wrapped(orig: BaseException) -> sa_exc.DBAPIError:
    """As SQLAlchemy raises a driver's error: the statement and its values in the message."""
    return sa_exc.OperationalError("INSERT INTO call_notes VALUES (?)", ("秘密のメモ",), orig)


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("server said no")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "kind"), [
    (wrapped(sqlite_error("database is locked", "SQLITE_BUSY")), faults.LOCKED),
    (wrapped(sqlite_error("database is locked", "SQLITE_BUSY_SNAPSHOT")), faults.LOCKED),
    (wrapped(sqlite_error("database table is locked", "SQLITE_LOCKED")), faults.LOCKED),
    (wrapped(sqlite_error("database or disk is full", "SQLITE_FULL")), faults.FULL),
    (wrapped(sqlite_error("disk I/O error", "SQLITE_IOERR_WRITE")), faults.IO),
    (wrapped(sqlite3.OperationalError("database or disk is full")), faults.FULL),  # no name
    (OSError(errno.ENOSPC, "No space left on device"), faults.FULL),
    (OSError(errno.EIO, "Input/output error"), faults.IO),
    (sa_exc.TimeoutError("QueuePool limit reached"), faults.LOCKED),
    (wrapped(PgError("53100")), faults.FULL),
    (wrapped(PgError("55P03")), faults.LOCKED),
    (wrapped(PgError("40P01")), faults.LOCKED),
    (wrapped(PgError("08006")), faults.IO),
])
def test_passing_faults_are_recognised(error: BaseException, kind: str) -> None:
    assert faults.transient(error) == kind


@pytest.mark.parametrize("error", [
    wrapped(sqlite_error("UNIQUE constraint failed", "SQLITE_CONSTRAINT_UNIQUE",
                         sqlite3.IntegrityError)),
    wrapped(sqlite_error("no such table: call_notes", "SQLITE_ERROR")),
    wrapped(PgError("23505")),
    OSError(errno.ECONNRESET, "Connection reset by peer"),
    ValueError("a bug"),
])
def test_other_errors_are_not_retried(error: BaseException) -> None:
    assert faults.transient(error) is None


def test_a_cause_further_down_the_chain_counts() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("writing the export failed") from inner
    except RuntimeError as outer:
        assert faults.transient(outer) == faults.FULL


def test_the_name_for_the_log_never_carries_the_statement_or_its_values() -> None:
    error = wrapped(sqlite_error("database is locked", "SQLITE_BUSY"))
    assert faults.name(error) == "SQLITE_BUSY"
    assert faults.name(OSError(errno.ENOSPC, "full")) == "ENOSPC"
    assert faults.name(wrapped(PgError("53100"))) == "53100"
    assert faults.name(ValueError("秘密")) == "ValueError"
