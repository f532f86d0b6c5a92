"""Every CSV the service writes goes through one writer that makes formulas inert: a resident's
name, an operator's reason or a value from the city's file that starts with ``= + - @`` opens in
a spreadsheet as text, never as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from dialer.adapters import paper, report_files
from dialer.adapters.error_report import ErrorReport
from dialer.domain.intake.rows import RowError
from dialer.services.recordings.archive import write_report
from recordings_policy.lifecycle import State
from recordings_policy.report import ReportFacts

TOKYO = ZoneInfo("Asia/Tokyo")
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\t=1", "\r=1"]


def _cells(data: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data)) for cell in row]


def test_the_writer_makes_every_formula_text_and_leaves_numbers_alone() -> None:
    out = io.StringIO(newline="")
    report_files.csv_writer(out).writerow([*HOSTILE, -5, 3, 0.5, date(2027, 1, 2), None])
    cells = _cells(out.getvalue())
    assert cells[:len(HOSTILE)] == ["'" + value for value in HOSTILE]
    assert cells[len(HOSTILE):] == ["-5", "3", "50.0%", "2027/01/02", ""]
    assert out.getvalue().endswith("\r\n")


def test_the_paper_list_escapes_names_from_the_city_file(tmp_path: Path) -> None:
    entry = SimpleNamespace(position=1, ref="=A1", name="=HYPERLINK(\"x\")", kana="@カナ",
                            phones=["0311112222"], total_amount=-1200,
                            earliest_due=date(2027, 1, 31), debts=1, attempts=0,
                            operator="+op")
    sheet = paper.Sheet("センター", SimpleNamespace(id=1, debt_type="D1", month="2027-01"),
                        [entry], datetime(2027, 1, 12, tzinfo=UTC), "kanri")
    [path] = paper.write(sheet, tmp_path, ["csv"])
    row = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1]
    assert row[1:4] == ["'=A1", "'=HYPERLINK(\"x\")", "'@カナ"]
    assert row[7] == "-1200" and row[11] == "'+op"


def test_the_import_error_report_escapes_the_rejected_value(tmp_path: Path) -> None:
    report = ErrorReport(tmp_path / "errors.csv")
    report.add([RowError(3, "氏名", "=1+1", "bad")])
    assert report.close() is not None
    cells = _cells((tmp_path / "errors.csv").read_text(encoding="utf-8-sig"))
    assert "'=1+1" in cells and "=1+1" not in cells


@pytest.mark.parametrize("reason_text", ["=danger()", "@danger"])
def test_the_recording_report_escapes_the_operator_s_reason(tmp_path: Path,
                                                             reason_text: str) -> None:
    at = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
    facts = ReportFacts("a" * 32, "call-1", at, "op01", "threat", reason_text, "given", at, at,
                        1.0, "", State.STORED)
    csv_path, _json = write_report(tmp_path, facts, TOKYO)
    cells = _cells(csv_path.read_bytes().decode("cp932"))
    assert "'" + reason_text in cells and reason_text not in cells
