"""Reading the report files back as the city would: CSV decoded from CP932 (CRLF checked),
.xlsx through openpyxl."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl


def csv_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw.decode("cp932")  # raises if the file is not CP932
    rows = list(csv.reader(io.StringIO(text, newline="")))
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows(rows)
    assert again.getvalue() == text, f"{path.name}: every record ends with CRLF"
    return rows


def xlsx_rows(path: Path, sheet: str | int = 0) -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def records(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """Rows under their header (the first row)."""
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def blank(value: Any) -> Any:
    """An empty .xlsx cell reads back as None, an empty CSV field as ""."""
    return "" if value is None else value


def sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """A period report's CSV: its 【title】 sections."""
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if len(row) == 1 and row[0].startswith("【"):
            current = found.setdefault(row[0].strip("【】"), [])
        elif row and current is not None:
            current.append(row)
    return found
