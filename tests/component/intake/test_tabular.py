"""The file adapter: encoding detection, delimiters, .xlsx cells, refusals."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from dialer.adapters import tabular
from dialer.adapters.tabular import TableError
from tests.component.intake.files import csv_bytes, write_xlsx

ROWS = [["A1", "札幌　太郎", "", "０１１-222-3333", "", "", "", "R5.4.1", "1,000"]]


def read(path: Path, encoding: str | None = None) -> tuple[str, list[tuple[int, list[str]]]]:
    with tabular.open_table(path, encoding) as table:
        return table.encoding, list(table.rows())


@pytest.mark.parametrize(("encoding", "detected"), [
    ("cp932", "cp932"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
])
def test_encodings_are_detected(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(ROWS, encoding))
    found, rows = read(path)
    assert found == detected
    assert rows[0][1][0] == "管理番号" and rows[1] == (2, ROWS[0])


def test_cp932_extensions_and_shift_jis_read_as_cp932(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([["A1", "髙橋　①", "", "011-222-3333"]], "cp932"))
    assert read(path, "Shift_JIS") == ("cp932", read(path)[1])
    assert read(path)[1][1][1][1] == "髙橋　①"


def test_tab_separated_files(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(csv_bytes(ROWS, "cp932", delimiter="\t"))
    assert read(path)[1][1][1] == ROWS[0]


def test_a_quoted_cell_may_hold_a_newline_and_rows_keep_their_record_number(
        tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes('管理番号,氏名\r\nA1,"札幌\r\n太郎"\r\n\r\nA2,函館\r\n'.encode("cp932"))
    assert read(path)[1] == [(1, ["管理番号", "氏名"]), (2, ["A1", "札幌\r\n太郎"]), (3, []),
                             (4, ["A2", "函館"])]


def test_unknown_encoding_and_old_xls_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\r\n")
    with pytest.raises(TableError, match="unknown encoding 'latin-9'"):
        read(path, "latin-9")
    old = tmp_path / "f.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(TableError, match=r"old \.xls"):
        read(old)


def test_xlsx_cells_become_the_text_a_csv_would_hold(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [["A1", 9012345678, 12345.0, 12.5,
                                             datetime(2023, 4, 1), date(2023, 5, 1), None, True]],
                      header=["a", "b", "c", "d", "e", "f", "g", "h"])
    encoding, rows = read(path)
    assert encoding == "xlsx"
    assert rows[1] == (2, ["A1", "9012345678", "12345", "12.5", "2023-04-01", "2023-05-01", "",
                           "TRUE"])


def test_a_zip_under_a_csv_name_is_read_as_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [["A1"]], header=["管理番号"])
    renamed = path.rename(tmp_path / "f.csv")
    assert read(renamed)[0] == "xlsx"


def test_the_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"abc")
    assert tabular.file_sha256(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
