"""The row-level error report of an import: a CSV (UTF-8 with BOM, so Excel opens it) with the
row number, the file's column, the value masked and the reason — no personal data in clear.

Written under the data directory (the data server), readable by its owner only; created at the
first error, so a clean import leaves no file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from dialer.adapters.report_files import csv_writer
from dialer.domain.intake.rows import RowError

HEADER = ("row", "column", "value_masked", "reason")


class ErrorReport:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None
        self._writer: Any = None

    def add(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            if self._file is None:
                self._open()
            self._writer.writerow((error.row, error.column, error.value, error.reason))
            self.count += 1

    def close(self) -> Path | None:
        """The report's path, or None when there was no error."""
        if self._file is None:
            return None
        self._file.close()
        return self.path

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = open(fd, "w", encoding="utf-8-sig", newline="")
        self._writer = csv_writer(self._file)
        self._writer.writerow(HEADER)
