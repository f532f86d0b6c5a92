"""The per-target lists as files: one table written as .xlsx and CSV at once, row by row, memory
flat however long the list (see ``ListFile``)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from dialer.adapters.report_files import (
    BOLD,
    CSV_ENCODING,
    CSV_ERRORS,
    DATE_FORMAT,
    RATE_FORMAT,
    TIME_FORMAT,
    Staged,
    csv_writer,
    put,
    sheet_title,
)
from dialer.domain.reports.definitions import Cell

EXCEL_EPOCH = datetime(1899, 12, 30)
FIRST_SHEET = "xl/worksheets/sheet1.xml"
_STYLE = re.compile(r'<c r="([A-Z]+\d+)" s="(\d+)"')
_DIMENSION = re.compile(r"<dimension [^>]*/>")
_PROBES = {"A2": (date(2000, 1, 1), DATE_FORMAT), "B2": (datetime(2000, 1, 1), TIME_FORMAT),
           "C2": (0.5, RATE_FORMAT)}


def _text_xml(text: str) -> str:
    clean = escape(ILLEGAL_CHARACTERS_RE.sub("", text))
    return f'<is><t xml:space="preserve">{clean}</t></is>'


class _Sheet:
    """One sheet's rows as XML (openpyxl's own cell shapes: inline strings, numbers, dates as
    serial numbers with the workbook's date/time/percent styles)."""

    def __init__(self, columns: int, styles: dict[str, str]) -> None:
        self._letters = [get_column_letter(c) for c in range(1, columns + 2)]
        self._date, self._time = styles["A2"], styles["B2"]
        self._rate, self._bold = styles["C2"], styles["A1"]
        self.last = 0

    def row(self, cells: Sequence[Cell], *, bold: bool = False) -> str:
        self.last += 1
        r = self.last
        out = [f'<row r="{r}">']
        for letter, value in zip(self._letters, cells, strict=False):
            if value is None or value == "":
                continue
            out.append(f'<c r="{letter}{r}"{self._attributes(value, bold)}</c>')
        out.append("</row>")
        return "".join(out)

    def _attributes(self, value: Cell, bold: bool) -> str:
        """The cell's attributes, then its content."""
        if isinstance(value, str):
            style = f' s="{self._bold}"' if bold else ""
            return f'{style} t="inlineStr">{_text_xml(value)}'
        if isinstance(value, datetime):
            days = (value.replace(tzinfo=None) - EXCEL_EPOCH) / timedelta(days=1)
            return f' s="{self._time}"><v>{days!r}</v>'
        if isinstance(value, date):
            return f' s="{self._date}"><v>{(value - EXCEL_EPOCH.date()).days}</v>'
        if isinstance(value, float):
            return f' s="{self._rate}"><v>{value!r}</v>'
        return f"><v>{value}</v>"


class ListFile:
    """One table written as ``STEM.xlsx`` and ``STEM.csv`` at once, row by row.

    openpyxl builds the workbook (styles, column widths, further sheets); the list's rows —
    millions of cells for a large centre — are streamed into its first sheet as XML in
    openpyxl's own cell shapes (its write-only cells cost ~15-25 µs each: over a minute for
    100,000 targets, where the whole report now takes ~15 s). Memory stays flat however long
    the list."""

    def __init__(self, staged: Staged, stem: Path, title: str, headers: Sequence[str]) -> None:
        self.rows = 0
        self._title, self._headers = title, list(headers)
        self._extra: list[tuple[str, Sequence[Sequence[Cell]]]] = []
        head, self._tail, styles = self._probe()
        self._sheet = _Sheet(len(headers), styles)
        self._zip = zipfile.ZipFile(staged.path(stem.with_name(stem.name + ".xlsx")), "w",
                                    zipfile.ZIP_DEFLATED)
        self._rows_xml = io.TextIOWrapper(self._zip.open(FIRST_SHEET, "w"), encoding="utf-8")
        self._rows_xml.write(head + "<sheetData>" + self._sheet.row(headers, bold=True))
        self._pending: list[str] = []
        self._csv_file = staged.path(stem.with_name(stem.name + ".csv")).open(
            "w", encoding=CSV_ENCODING, errors=CSV_ERRORS, newline="")
        self._csv = csv_writer(self._csv_file)
        self._csv.writerow(headers)

    def _book(self) -> Any:
        book = Workbook()
        sheet = book.active
        sheet.title = sheet_title(self._title, set())
        sheet.freeze_panes = "A2"
        put(sheet, 1, 1, "h").font = BOLD
        for ref, (value, fmt) in _PROBES.items():
            sheet[ref] = value
            sheet[ref].number_format = fmt
        for column, header in enumerate(self._headers, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = max(10, 2 * len(header))
        taken = {sheet.title}
        for title, lines in self._extra:
            extra = book.create_sheet(sheet_title(title, taken))
            for r, line in enumerate(lines, start=1):
                for c, value in enumerate(line, start=1):
                    put(extra, r, c, value)
        return book

    def _probe(self) -> tuple[str, str, dict[str, str]]:
        """The first sheet's XML around its rows, and the style of each kind of cell."""
        buffer = io.BytesIO()
        self._book().save(buffer)
        with zipfile.ZipFile(buffer) as built:
            xml = built.read(FIRST_SHEET).decode("utf-8")
        head, rest = xml.split("<sheetData>", 1)
        styles = dict(_STYLE.findall(rest.split("</sheetData>", 1)[0]))
        return _DIMENSION.sub("", head), rest.split("</sheetData>", 1)[1], styles

    def add(self, cells: Sequence[Cell]) -> None:
        self._pending.append(self._sheet.row(cells))
        self._csv.writerow(cells)
        self.rows += 1
        if len(self._pending) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._rows_xml.write("".join(self._pending))
        self._pending.clear()

    def add_sheet(self, title: str, lines: Sequence[Sequence[Cell]]) -> None:
        """A further sheet in the .xlsx only (the CSV stays one plain table)."""
        self._extra.append((title, lines))

    def close(self) -> None:
        """Finish both files (also after a failure: the staged files are then discarded)."""
        if self._csv_file.closed:
            return
        self._csv_file.close()
        self._flush()
        self._rows_xml.write("</sheetData>" + self._tail)
        self._rows_xml.close()
        buffer = io.BytesIO()
        self._book().save(buffer)
        with zipfile.ZipFile(buffer) as built:
            for item in built.infolist():
                if item.filename != FIRST_SHEET:
                    self._zip.writestr(item, built.read(item.filename))
        self._zip.close()
