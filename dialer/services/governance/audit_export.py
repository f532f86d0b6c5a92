"""The access log as a CSV for the city (SPEC "Access control and logs"): one implementation
for ``dialer audit export`` and the console's download.

The rows of a date range (inclusive, in the centre's time zone), CP932 (a character it lacks
becomes a backslash escape, as in JSON), CRLF line ends, bilingual header. The export is itself
recorded in the log, in the same transaction that reads the rows: a failed write rolls the
record back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from dialer.adapters import report_files
from dialer.adapters.db import audit, audit_query
from dialer.adapters.db.engine import Database
from dialer.services.governance import accounts, suspensions

HEADER = ("番号/id", "日時/at", "実行者/actor", "操作/action", "対象/object", "詳細/detail",
          "前ハッシュ/prev_hash", "ハッシュ/hash")
ENCODING = report_files.CSV_ENCODING
ERRORS = report_files.CSV_ERRORS
MAX_DAYS = 3660  # about ten years: a range beyond it is a typing mistake


class ExportError(ValueError):
    """The date range is unusable; the message says why."""


def bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of the days ``first`` .. ``last`` (inclusive) in ``tz``."""
    if last < first:
        raise ExportError("the last day must be on or after the first day")
    if (last - first).days > MAX_DAYS:
        raise ExportError(f"at most {MAX_DAYS} days at once")
    return (datetime.combine(first, time(), tz),
            datetime.combine(last + timedelta(days=1), time(), tz))


def file_name(first: date, last: date) -> str:
    return f"access-log_{first}_{last}.csv"


def write_rows(stream: IO[str], rows: list[audit.Row], tz: ZoneInfo) -> None:
    """The CSV into a text stream opened with ``ENCODING``, ``errors=ERRORS``, ``newline=""``."""
    writer = report_files.csv_writer(stream)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow((row.id, row.at.astimezone(tz).isoformat(timespec="microseconds"),
                         row.actor, row.action, row.obj, row.detail, row.prev_hash, row.hash))


def write_csv(path: Path, rows: list[audit.Row], tz: ZoneInfo) -> None:
    with path.open("w", encoding=ENCODING, errors=ERRORS, newline="") as f:
        write_rows(f, rows, tz)


async def export(database: Database, first: date, last: date, tz: ZoneInfo, actor: str,
                 write: Callable[[list[audit.Row]], None],
                 require: str | None = None, about: audit_query.Filter | None = None) -> int:
    """Read the rows of ``first`` .. ``last``, record the export by ``actor`` and hand the rows
    to ``write`` (within the transaction); the number of rows. ``require``: an account that
    must be an active manager or admin (``accounts.require``). ``about``: only the rows about
    a target, batch or account (``audit_query.Filter``; its dates are replaced by these). A
    suspension order on data halts the export (``DataSuspended`` becomes ``ExportError``)."""
    start, end = bounds(first, last, tz)
    async with database.transaction() as conn:
        if require:
            await accounts.require(conn, require)
        try:
            await suspensions.check_data(conn)
        except suspensions.DataSuspended as exc:
            raise ExportError(str(exc)) from None
        if about is None:
            rows = await audit.export(conn, start, end)
        else:
            rows = await audit_query.in_order(conn, replace(about, start=start, end=end))
        await audit.record(conn, actor, "audit.export", "audit_log",
                           first=first.isoformat(), last=last.isoformat(), rows=len(rows),
                           **(about.described() if about is not None else {}))
        write(rows)
    return len(rows)
