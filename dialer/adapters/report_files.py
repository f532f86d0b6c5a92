"""Writing report files for the city: .xlsx (openpyxl, native Excel charts) and CSV (CP932,
CRLF). The one implementation of the city's CSV shape: every CSV the service writes (reports,
the access-log export, the paper list, the recording report, the import's error report) goes
through ``csv_writer``, so no cell can reach a spreadsheet as a formula.

* CSV: CP932 (a character it lacks becomes a backslash escape, as in JSON), CRLF line ends;
  dates ``YYYY/MM/DD``, times ``YYYY/MM/DD HH:MM``, rates ``72.5%``; a text starting with
  ``= + - @`` gets a leading ``'`` so a spreadsheet never runs it as a formula.
* .xlsx: typed cells (numbers, dates, rates formatted ``0.0%``), text never a formula; long
  lists are streamed (``report_lists.ListFile``: memory stays flat whatever the length).
* Files are written under temporary names beside their final ones and swapped in by
  ``Staged.commit`` (``os.replace``): a re-run replaces the same files, a failed run leaves the
  previous ones in place.
"""

from __future__ import annotations

import contextlib
import csv
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dialer.domain.reports.definitions import Cell

CSV_ENCODING = "cp932"
CSV_ERRORS = "backslashreplace"
CRLF = "\r\n"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT, TIME_FORMAT, RATE_FORMAT = "yyyy/mm/dd", "yyyy/mm/dd hh:mm", "0.0%"
SHEET_UNSAFE = str.maketrans({c: "_" for c in "[]:*?/\\"})
BOLD = Font(bold=True)


# --- CSV ---------------------------------------------------------------------------------------

class CsvWriter:
    """``csv.writer`` that takes typed cells and writes each through ``csv_text``: the city's
    dates, times and rates, and text that would start a formula made inert."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream, lineterminator=CRLF)

    def writerow(self, cells: Iterable[Cell]) -> None:
        self._writer.writerow([csv_text(cell) for cell in cells])


def csv_writer(stream: IO[str]) -> CsvWriter:
    """The one CSV writer, with the city's line ends, over a text stream opened with
    ``newline=""`` (and, for the city's files, ``CSV_ENCODING`` with ``errors=CSV_ERRORS``)."""
    return CsvWriter(stream)


def csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y/%m/%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


# --- .xlsx cells -------------------------------------------------------------------------------

def _format(value: Cell) -> str | None:
    if isinstance(value, datetime):
        return TIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    return RATE_FORMAT if isinstance(value, float) else None


def xlsx_value(value: Cell) -> Any:
    """What openpyxl stores: naive local times (the value is already local), clean text."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def put(sheet: Any, row: int, column: int, value: Cell) -> Any:
    cell = sheet.cell(row=row, column=column, value=xlsx_value(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    fmt = _format(value)
    if fmt is not None:
        cell.number_format = fmt
    return cell


def sheet_title(title: str, taken: set[str]) -> str:
    base = title.translate(SHEET_UNSAFE)[:31] or "Sheet"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base[:28]}({n})"
    taken.add(name)
    return name


# --- staged files ------------------------------------------------------------------------------

@dataclass
class Staged:
    """Files written under temporary names, swapped in all together (or thrown away)."""

    pairs: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary, final)

    def path(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f".{final.name}.{secrets.token_hex(4)}.partial")
        self.pairs.append((temporary, final))
        return temporary

    def commit(self) -> list[Path]:
        for temporary, final in self.pairs:
            os.replace(temporary, final)
        done = [final for _t, final in self.pairs]
        self.pairs.clear()
        return done

    def discard(self) -> None:
        for temporary, _final in self.pairs:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        self.pairs.clear()


# --- books of several tables (the monthly and final reports) -----------------------------------

@dataclass(frozen=True)
class Chart:
    kind: str  # "line" or "bar"
    title: str
    values: int  # 0-based column of the plotted values
    categories: int  # 0-based column of the labels
    percent: bool = False


@dataclass(frozen=True)
class Block:
    """A sheet of the book and a section of the CSV: a table (``headers`` and ``rows``),
    figures as (header, value) pairs (``pairs``), or headings followed by room to write
    (``headings``)."""

    title: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    pairs: tuple[tuple[str, Cell], ...] = ()
    headings: tuple[str, ...] = ()
    chart: Chart | None = None


def write_book(staged: Staged, stem: Path, title: str, blocks: Sequence[Block],
               cover: Sequence[tuple[str, Cell]] = ()) -> None:
    """``STEM.xlsx`` with one sheet per block (charts where given) and ``STEM.csv`` with the
    blocks one after the other, each under its title, a blank line between."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for block in blocks:
        _sheet(book.create_sheet(sheet_title(block.title, taken)), title, block, cover)
    book.save(staged.path(stem.with_name(stem.name + ".xlsx")))
    with staged.path(stem.with_name(stem.name + ".csv")).open(
            "w", encoding=CSV_ENCODING, errors=CSV_ERRORS, newline="") as f:
        writer = csv_writer(f)
        writer.writerow([title])
        for header, value in cover:
            writer.writerow([header, value])
        for block in blocks:
            writer.writerow([])
            writer.writerow([f"【{block.title}】"])
            for line in _lines(block):
                writer.writerow(line)


def _lines(block: Block) -> list[Sequence[Cell]]:
    if block.pairs:
        return [(h, v) for h, v in block.pairs]
    if block.headings:
        return [(h, "") for h in block.headings]
    return [block.headers, *block.rows]


def _sheet(sheet: Any, title: str, block: Block, cover: Sequence[tuple[str, Cell]]) -> None:
    if block.pairs:  # the summary: the report's cover, then its figures
        sheet.cell(row=1, column=1, value=title).font = BOLD
        lines = [*cover, ("", None), *block.pairs]
        for i, (header, value) in enumerate(lines, start=2):
            put(sheet, i, 1, header)
            put(sheet, i, 2, value)
        sheet.column_dimensions["A"].width = 32
        sheet.column_dimensions["B"].width = 24
        return
    if block.headings:  # room for the manager's own words
        for i, heading in enumerate(block.headings):
            top = 1 + i * 12
            sheet.cell(row=top, column=1, value=heading).font = BOLD
            sheet.merge_cells(start_row=top + 1, start_column=1, end_row=top + 10, end_column=8)
            sheet.cell(row=top + 1, column=1).alignment = Alignment(vertical="top", wrap_text=True)
        return
    for column, header in enumerate(block.headers, start=1):
        sheet.cell(row=1, column=column, value=header).font = BOLD
        sheet.column_dimensions[get_column_letter(column)].width = max(10, 2 * len(header) + 2)
    for r, row in enumerate(block.rows, start=2):
        for column, value in enumerate(row, start=1):
            put(sheet, r, column, value)
    if block.chart is not None and block.rows:
        _chart(sheet, block)


def _chart(sheet: Any, block: Block) -> None:
    spec = block.chart
    assert spec is not None
    last = len(block.rows) + 1
    chart = LineChart() if spec.kind == "line" else BarChart()
    chart.title = spec.title
    chart.height, chart.width = 9, 22
    data = Reference(sheet, min_col=spec.values + 1, min_row=1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=spec.categories + 1, min_row=2, max_row=last))
    if spec.percent:
        chart.y_axis.number_format = RATE_FORMAT
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
    sheet.add_chart(chart, f"{get_column_letter(len(block.headers) + 2)}2")
