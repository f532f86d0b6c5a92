"""Reading the city's files: CSV (CP932/Shift_JIS, UTF-8, UTF-8 with BOM, UTF-16 with BOM) and
.xlsx (first sheet). The only module reading with openpyxl (``report_files`` writes the
reports' files).

Rows come out one at a time as ``(row number, cells)``: the number is the 1-based record number
as a spreadsheet shows it, cells are strings (an empty cell is ``""``). Nothing is read into
memory whole, so memory stays flat however long the file is.

Encoding detection (``encoding=None``): a UTF-8 or UTF-16 byte-order mark decides; otherwise the
first MiB decoding as UTF-8 means UTF-8, else CP932. ``shift_jis`` given explicitly is read as
CP932, its superset that Windows and the city's systems actually write (①, ㈱, 髙 …). A file that
stops decoding half-way raises ``TableError`` — the import is refused. A zip file (an .xlsx under
another name) is read as .xlsx.

In .xlsx files numbers become their digits (``9012345678.0`` -> ``9012345678``) and dates ISO
``YYYY-MM-DD``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO, Protocol

ENCODINGS = {
    "cp932": "cp932", "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932",
    "ms932": "cp932", "windows-31j": "cp932", "utf-8": "utf-8", "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig", "utf-16": "utf-16",
}
SNIFF_BYTES = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"


class TableError(Exception):
    """The file cannot be read as a table; the message says why, never its content."""


Rows = Iterator[tuple[int, list[str]]]


class Table(Protocol):
    encoding: str

    def rows(self) -> Iterator[tuple[int, list[str]]]: ...

    def progress(self) -> float: ...


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def open_table(path: Path, encoding: str | None = None) -> Iterator[Table]:
    """The rows of ``path`` (CSV or .xlsx); raises ``TableError`` when it cannot be read."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith(ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        table: XlsxTable | CsvTable = XlsxTable(path)
    elif path.suffix.lower() == ".xls":
        raise TableError("old .xls workbook: save it as .xlsx or CSV")
    else:
        table = CsvTable(path, _encoding(head, encoding), head)
    try:
        yield table
    finally:
        table.close()


def _encoding(head: bytes, given: str | None) -> str:
    if given is not None:
        try:
            return ENCODINGS[given.strip().lower().replace("_", "-").replace("shift-jis",
                                                                             "shift_jis")]
        except KeyError:
            raise TableError(f"unknown encoding {given!r} (known: cp932, shift_jis, utf-8, "
                             "utf-8-sig, utf-16)") from None
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


class CsvTable:
    def __init__(self, path: Path, encoding: str, head: bytes) -> None:
        if b"\x00" in head and not encoding.startswith("utf-16"):
            raise TableError("a binary file (NUL bytes), not CSV text")
        self.encoding = encoding
        self._path = path
        self._size = max(path.stat().st_size, 1)
        self._raw: BinaryIO = path.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding=encoding, newline="")
        first_line = head.decode(encoding, errors="ignore").split("\n", 1)[0]
        self._delimiter = "\t" if "\t" in first_line and "," not in first_line else ","

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for number, cells in enumerate(csv.reader(self._text, delimiter=self._delimiter),
                                           start=1):
                yield number, cells
        except UnicodeError:
            line = undecodable_line(self._path, self.encoding)
            raise TableError(f"cannot be decoded as {self.encoding} at line {line}; give "
                             "--encoding if it is another one") from None
        except csv.Error as exc:
            raise TableError(f"not a readable CSV file at row {number + 1}: {exc}") from None

    def progress(self) -> float:
        return min(self._raw.tell() / self._size, 1.0)

    def close(self) -> None:
        self._text.close()


# What openpyxl raises on a damaged workbook (a zip member missing, cut or garbled): it has no
# error type of its own, and a file from outside must never crash the import.
BROKEN_XLSX: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError, TypeError,
    AttributeError, OSError, SyntaxError,  # xml.etree.ElementTree.ParseError is a SyntaxError
)


class XlsxTable:
    encoding = "xlsx"

    def __init__(self, path: Path) -> None:
        import openpyxl  # type: ignore[import-untyped]
        from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

        self._file = path.open("rb")  # a file object: openpyxl checks no extension then
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._book = openpyxl.load_workbook(self._file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, *BROKEN_XLSX):
            self._file.close()
            raise TableError("not a readable .xlsx workbook") from None
        try:
            self._sheet = self._book.worksheets[0]
            self._total = self._sheet.max_row or 0
        except BROKEN_XLSX as exc:
            self.close()
            raise TableError(f"broken .xlsx workbook: {type(exc).__name__}") from None
        self._done = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                self._done = number
                yield number, [cell_text(c) for c in cells]
        except BROKEN_XLSX as exc:
            raise TableError(f"broken .xlsx workbook: {type(exc).__name__}") from None

    def progress(self) -> float:
        return min(self._done / self._total, 1.0) if self._total else 0.0

    def close(self) -> None:
        self._book.close()
        self._file.close()


def undecodable_line(path: Path, encoding: str) -> int:
    """The 1-based line holding the first byte ``encoding`` cannot decode (0: none)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as f:
        position = 0
        while chunk := f.read(SNIFF_BYTES):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _prefix(path, position - pending + exc.start).count(b"\n") + 1
            except UnicodeError:  # UTF-16 without its byte-order mark: no offset to point at
                return _prefix(path, position).count(b"\n") + 1
            position += len(chunk)
    return 0


def _prefix(path: Path, size: int) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
