"""The importer under hostile files (issue #12): random bytes, every encoding, truncation, bad
headers, huge fields, NUL, CR-only lines, quote chaos, formula cells, odd and corrupt .xlsx.

Whatever the file, ``import_file`` either imports (good rows stored, bad rows in the report) or
refuses with ``IntakeRefused`` and a reason — no other exception, nothing changed in the
database by a refused file (a whole-database snapshot), and no phone number of the file in
clear in the reason, the error report or the log.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.services.intake.importer import ImportRequest, IntakeRefused, import_file
from tests.component.fuzz.hostile import (
    FORMULAS,
    INJECTIONS,
    NO_SHRINK,
    hostile_text,
    phone_digits,
    phones,
    shows_a_number,
)
from tests.component.intake.conftest import snapshot
from tests.component.intake.files import GOOD_ROWS, HEADER

FUZZ_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
               HealthCheck.data_too_large, HealthCheck.large_base_example]
_names = itertools.count()

# --- files ----------------------------------------------------------------------------------

good_cells = st.sampled_from(sorted({c for row in GOOD_ROWS for c in row}))
cells = st.one_of(
    good_cells, good_cells, phones, hostile_text,
    st.sampled_from(["", " ", "\x00", "a\rb", "a\nb", 'a"b', '"', '""', ",", "\t", "\\",
                     "令和元年5月1日", "R5.13.1", "-5", "1e9", "９" * 30, "債権種別"]),
    st.sampled_from(["x" * 5000, "電" * 120]),  # long, and longer than any field allows
)
header_names = st.one_of(st.sampled_from([*HEADER, "債権種別", "電話 番号", "氏　名", "ＩＤ"]),
                         hostile_text)


@st.composite
def headers(draw: st.DrawFn) -> list[str] | None:
    """The header row: right, shuffled, duplicated, missing a column, random — or none."""
    kind = draw(st.sampled_from(["good", "good", "shuffled", "duplicated", "missing", "random",
                                 "none", "debt_type"]))
    header = list(HEADER)
    if kind == "none":
        return None
    if kind == "shuffled":
        header = draw(st.permutations(header))
    elif kind == "duplicated":
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(HEADER)))
    elif kind == "missing":
        header.pop(draw(st.integers(0, len(header) - 1)))
    elif kind == "random":
        header = draw(st.lists(header_names, max_size=10))
    elif kind == "debt_type":
        header.append("債権種別")
    return header


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    rows = draw(st.lists(st.lists(cells, max_size=11), max_size=12))
    rows += draw(st.lists(st.sampled_from(GOOD_ROWS), max_size=3))  # some rows that fit
    header = draw(headers())
    return rows if header is None else [header, *rows]


def quote_chaos(rows: list[list[str]], delimiter: str, end: str) -> str:
    """Joined without any quoting: quotes, delimiters and line ends inside cells stay raw."""
    return "".join(delimiter.join(row) + end for row in rows)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, list[list[str]]]:
    rows = draw(tables())
    delimiter = draw(st.sampled_from([",", ",", "\t", ";"]))
    end = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if draw(st.booleans()):
        out = io.StringIO()
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
        csv.writer(out, delimiter=delimiter, lineterminator=end, quoting=quoting).writerows(rows)
        text = out.getvalue()
    else:
        text = quote_chaos(rows, delimiter, end)
    encoding = draw(st.sampled_from(["cp932", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    data = draw(mutated(data))
    return data, rows


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """As it came, truncated anywhere, or with some bytes overwritten."""
    how = draw(st.sampled_from(["as is", "as is", "truncated", "overwritten"]))
    if how == "truncated" and data:
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "overwritten" and data:
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    return data


ERROR_CODES = ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")
xlsx_cells = st.one_of(
    cells,
    st.none(), st.booleans(), st.integers(-(2**53), 2**53),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)),
    st.times(), st.just(timedelta(days=1, seconds=5)),
    st.sampled_from(ERROR_CODES + FORMULAS[:2] + (9012345678, 112223333, 12345.0)),
)


@st.composite
def xlsx_files(draw: st.DrawFn) -> tuple[bytes, list[list[Any]]]:
    import openpyxl

    header = draw(headers())
    rows: list[list[Any]] = draw(st.lists(st.lists(xlsx_cells, max_size=11), max_size=10))
    rows += draw(st.lists(st.sampled_from(GOOD_ROWS), max_size=3))
    book = openpyxl.Workbook()
    sheet = book.active
    if draw(st.booleans()):  # a first sheet of its own: empty, or a title only
        sheet.title = "表紙"
        if draw(st.booleans()):
            sheet["A1"] = "貸与データ"
        sheet = book.create_sheet("data")
    for row in ([header] if header is not None else []) + rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c
                      for c in row])
    out = io.BytesIO()
    book.save(out)
    return draw(broken_zip(out.getvalue())), rows


@st.composite
def broken_zip(draw: st.DrawFn, data: bytes) -> bytes:
    """The workbook as written, or with a member missing, garbled or truncated, or the zip
    itself cut or overwritten."""
    how = draw(st.sampled_from(["as is", "as is", "member", "member", "zip"]))
    if how == "zip":
        return draw(mutated(data))
    if how == "as is":
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = draw(st.sampled_from(names))
    change = draw(st.sampled_from(["drop", "garbage", "truncate"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            if name == victim:
                if change == "drop":
                    continue
                content = (draw(st.binary(max_size=200)) if change == "garbage"
                           else content[:draw(st.integers(0, max(len(content) - 1, 0)))])
            target.writestr(name, content)
    return out.getvalue()


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    cells: list[Any]
    strict: bool = False
    force: bool = True
    encoding: str | None = None


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["csv", "csv", "csv", "xlsx", "xlsx", "bytes"]))
    if kind == "csv":
        data, rows = draw(csv_files())
        suffix = draw(st.sampled_from([".csv", ".csv", ".txt", ".tsv", "", ".xlsx", ".xls"]))
    elif kind == "xlsx":
        data, rows = draw(xlsx_files())
        suffix = draw(st.sampled_from([".xlsx", ".xlsx", ".csv", ".xlsm"]))
    else:
        data = draw(st.one_of(st.binary(max_size=600),
                              st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
        rows, suffix = [], draw(st.sampled_from([".csv", ".xlsx"]))
    return Case(f"hoikuryo_{next(_names)}{suffix}", data, [c for row in rows for c in row],
                strict=draw(st.booleans()), force=draw(st.booleans()),
                encoding=draw(st.sampled_from([None, None, None, "cp932", "utf-8", "utf-16",
                                               "latin-1"])))


# --- the checks -----------------------------------------------------------------------------

def report_rows(path: Path | None) -> list[list[str]]:
    if path is None:
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["row", "column", "value_masked", "reason"]
    return rows[1:]


def check_masked(text: str, numbers: set[str], where: str) -> None:
    shown = shows_a_number(text, numbers)
    assert shown is None, f"{where} shows the phone number {shown}: {text!r}"


async def import_or_refuse(database: Database, settings: Settings, folder: Path, case: Case,
                           caplog: pytest.LogCaptureFixture, process: bool | None = None
                           ) -> str:
    """Import ``case``; check the outcome; 'imported' or 'refused'."""
    path = folder / case.name
    path.write_bytes(case.data)
    numbers = phone_digits(case.cells)
    before = await snapshot(database)
    caplog.clear()
    request = ImportRequest(path, "hoikuryo", "2027-01", strict=case.strict, force=case.force,
                            encoding=case.encoding, process=process)
    try:
        result = await import_file(database, settings, request)
    except IntakeRefused as exc:  # any other exception fails the test
        assert exc.reason.strip()
        check_masked(exc.reason, numbers, "the refusal")
        assert await snapshot(database) == before, "a refused file changed the database"
        errors, outcome = report_rows(exc.errors_file), "refused"
    else:
        assert result.imported >= 1 or result.rejected >= 1
        assert not (case.strict and result.rejected)
        after = await snapshot(database)
        assert len(after["batches"]) == len(before["batches"]) + 1
        errors, outcome = report_rows(result.errors_file), "imported"
        assert len(errors) >= result.rejected
    for row in errors:
        assert len(row) == 4 and row[0].isdigit()
        assert not any(c.isnumeric() for c in row[2]), f"unmasked value {row[2]!r}"
        for field in row:
            check_masked(field, numbers, "the error report")
    for record in caplog.records:
        check_masked(record.getMessage(), numbers, "the log")
    path.unlink()
    return outcome


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "in"
    path.mkdir()
    return path


@settings(max_examples=150, deadline=timedelta(seconds=5), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(case=cases())
async def test_any_file_is_imported_or_refused_cleanly(
        database: Database, settings: Settings, folder: Path, caplog: pytest.LogCaptureFixture,
        case: Case) -> None:
    caplog.set_level(logging.DEBUG, logger="dialer")
    event(await import_or_refuse(database, settings, folder, case, caplog))


@settings(max_examples=15, deadline=timedelta(seconds=10), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(case=cases())
async def test_the_reader_process_handles_hostile_files_the_same_way(
        database: Database, settings: Settings, folder: Path, caplog: pytest.LogCaptureFixture,
        case: Case) -> None:
    """Large files are read in a child process: its failures must come back as refusals."""
    await import_or_refuse(database, settings, folder, case, caplog, process=True)


async def test_hostile_names_are_stored_as_text(database: Database, settings: Settings,
                                                folder: Path, caplog: pytest.LogCaptureFixture
                                                ) -> None:
    """Injection strings and formula-looking cells are a resident's name like any other: the
    row imports (or is rejected for that cell), and every table is still there."""
    for n, cell in enumerate([*INJECTIONS, *FORMULAS]):
        row = [f"Z{n}", f"札幌{cell}", "", "011-222-3333", "", "R5", "1", "R5.4.30", "100"]
        for encoding in ("utf-8", "cp932"):
            data = "\r\n".join(",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' for c in r)
                               for r in (HEADER, row)).encode(encoding, errors="replace")
            case = Case(f"hoikuryo_{next(_names)}.csv", data, row)
            await import_or_refuse(database, settings, folder, case, caplog)
    tables = await snapshot(database)  # fails if a table went missing
    names = {row[3] for row in tables["targets"]}  # (id, batch_id, ref, name, …)
    assert "札幌'); DROP TABLE targets;--" in names and "札幌=cmd|' /C calc'!A0" in names


def _header_and(*lines: bytes) -> bytes:
    return ",".join(HEADER).encode("cp932") + b"\r\n" + b"\r\n".join(lines) + b"\r\n"


GOOD_LINE = "A1,札幌　太郎,,011-222-3333,,R5,1,R5.4.30,100".encode("cp932")
EDGE_FILES = {
    "a field over the csv module's limit": _header_and(GOOD_LINE, b'A2,"' + b"x" * 200_000
                                                       + b'",,011-222-4444,,,,,'),
    "a name of 100 kB": _header_and(GOOD_LINE, b"A2," + "札".encode("cp932") * 50_000
                                    + b",,011-222-4444,,,,,"),
    "NUL bytes only": b"\x00" * 1000,
    "NUL after the first MiB": _header_and(GOOD_LINE) + b"A2,x" * 300_000 + b"\x00\r\n",
    "a byte-order mark only": b"\xef\xbb\xbf",
    "UTF-16 of odd length": "\ufeff管理番号,氏名,電話番号\r\nA1,札幌,011-222-3333\r\n".encode(
        "utf-16-le")[:-1],
    "CR-only line ends": _header_and(GOOD_LINE).replace(b"\r\n", b"\r"),
    "a lone quote": _header_and(GOOD_LINE, b'"A2,,011-222-4444'),
    "one line of 3 MB (read by the child process)": b"x" * (3 * 1024**2),
    "a million empty cells": _header_and(GOOD_LINE, b"," * 1_000_000),
}


async def test_edge_files_are_imported_or_refused_cleanly(
        database: Database, settings: Settings, folder: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """Shapes the generator above rarely reaches: huge fields and lines, NUL bytes past the
    sniffed first MiB, a file that is only a byte-order mark, UTF-16 cut mid-character."""
    outcomes = {}
    for what, data in EDGE_FILES.items():
        case = Case(f"hoikuryo_{next(_names)}.csv", data, ["011-222-3333", "011-222-4444"])
        outcomes[what] = await import_or_refuse(database, settings, folder, case, caplog)
    assert outcomes["a field over the csv module's limit"] == "refused"
    assert outcomes["NUL bytes only"] == "refused"
    assert outcomes["CR-only line ends"] == "imported"
