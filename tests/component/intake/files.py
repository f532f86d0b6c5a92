"""Builders of the city's files for the intake tests: CSV in any encoding, and .xlsx."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額"]

# Half- and full-width digits, every date shape, amounts with ￥ and commas; A001 spans two rows.
GOOD_ROWS = [
    ["A001", "札幌　太郎", "ｻｯﾎﾟﾛ ﾀﾛｳ", "011-222-3333", "０９０－１２３４－５６７８",
     "令和5年度", "第1期", "R5.4.30", "￥12,345"],
    ["A001", "札幌 太郎", "", "", "09012345678", "R5", "第2期", "令和5年5月31日",
     "１２，３４５"],
    ["A002", "函館　花子", "ハコダテ ハナコ", "(0138)22-1234", "", "2023", "1", "2023/06/30",
     "8000"],
    ["A003", "旭川　次郎", "", "＋８１－９０－２２２２－３３３３", "080-4444-5555",
     "令和５年度", "第3期", "H31.4.30", "500円"],
]
BAD_ROWS = [
    ["B001", "小樽　三郎", "", "011-222", "", "R5", "1", "R5.4.1", "1000"],
    ["", "室蘭　四郎", "", "011-333-4444", "", "R5", "1", "R5.13.1", "-5"],
    ["B003", "釧路　五郎", "", "", "", "R5", "1", "R5.4.1", "100"],
]


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str, header: Sequence[str] = HEADER,
              delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str = "cp932",
              header: Sequence[str] = HEADER) -> Path:
    path.write_bytes(csv_bytes(rows, encoding, header))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path
