"""The rows of a paper-results file (pure): header, time, code, direction, period, note."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialer.domain.calendar import DateRange, Period
from dialer.domain.intake import paper_results as rows
from dialer.domain.intake.mapping import HeaderProblem
from dialer.domain.intake.paper_results import PaperResult, RowRules
from dialer.domain.intake.rows import RowError
from dialer.domain.intake.values import ValueProblem
from dialer.domain.outcomes import Classification
from dialer.domain.result_form import NOTE_MAX

TOKYO = ZoneInfo("Asia/Tokyo")
PERIOD = Period("2027-01", DateRange(date(2027, 1, 4), date(2027, 1, 29)),
                DateRange(date(2027, 1, 4), date(2027, 2, 5)))
RULES = RowRules(Classification(), TOKYO, datetime(2027, 2, 3, 12, 0, tzinfo=TOKYO), PERIOD)
COLS = rows.resolve(["管理番号", "氏名", "日時", "結果", "備考", "担当", "区分"])


def row(*cells: str) -> PaperResult | list[RowError]:
    return rows.validate(7, list(cells), COLS, RULES)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2027-01-12 10:30", datetime(2027, 1, 12, 10, 30, tzinfo=TOKYO)),
    ("2027/1/12 9:05", datetime(2027, 1, 12, 9, 5, tzinfo=TOKYO)),
    ("２０２７－０１－１２　１０：３０", datetime(2027, 1, 12, 10, 30, tzinfo=TOKYO)),
    ("2027-01-12 10:30:15", datetime(2027, 1, 12, 10, 30, 15, tzinfo=TOKYO)),
    ("2027-01-12T10:30", datetime(2027, 1, 12, 10, 30, tzinfo=TOKYO)),
])
def test_times_are_read_at_the_centre(raw: str, expected: datetime) -> None:
    assert rows.parse_time(raw, TOKYO) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("2027-01-12", "not a time"), ("10:30", "not a time"), ("", "not a time"),
    ("2027-02-30 10:00", "no such date or time"), ("2027-01-12 24:00", "no such date or time"),
])
def test_a_bad_time_says_why(raw: str, reason: str) -> None:
    with pytest.raises(ValueProblem, match=reason):
        rows.parse_time(raw, TOKYO)


def test_a_code_is_its_code_or_its_label_but_never_the_abandoned_call() -> None:
    table = Classification()
    assert rows.result_code("１０１", table).code == "101"
    assert rows.result_code(" 納付約束 ", table).code == "101"
    assert rows.result_code("S02", table).code == "S02"  # a hand-dialed call may ring out
    for raw in ("S05", "999", "放棄呼（オペレーター不在）"):
        with pytest.raises(ValueProblem, match="unknown result code"):
            rows.result_code(raw, table)
    assert "S05" not in rows.valid_codes(table) and "204" in rows.valid_codes(table)


def test_a_good_row() -> None:
    assert row("A1", "札幌", "2027-01-12 10:30", "202", "  留守電 ", "op1", "") == PaperResult(
        7, "A1", datetime(2027, 1, 12, 10, 30, tzinfo=TOKYO), "202", "留守電", "out", "op1")
    assert row("A1", "", "2027-02-02 10:30", "101", "", "", "着信").direction == "in"


def test_every_problem_of_a_row_at_once_with_personal_values_masked() -> None:
    errors = row("", "札幌", "2027-03-01 10:00", "x", "長" * (NOTE_MAX + 1), "", "転送")
    assert isinstance(errors, list)
    assert [(e.row, e.column) for e in errors] == [
        (7, "管理番号"), (7, "区分"), (7, "日時"), (7, "結果"), (7, "備考")]
    assert errors[2].reason == "in the future" and errors[2].value == "2027-03-01 10:00"
    assert errors[4].value.startswith("****") and "長" not in errors[4].value


@pytest.mark.parametrize(("when", "direction", "reason"), [
    ("2027-01-03 10:00", "", "outside this list's calling period (2027-01-04..2027-01-29)"),
    ("2027-01-30 10:00", "", "a callback? set 区分 to 着信"),
    ("2027-01-30 10:00", "着信", None),
    ("2027-01-03 10:00", "着信", "outside this list's callback period"),
])
def test_the_time_must_be_in_the_lists_own_period(when: str, direction: str,
                                                  reason: str | None) -> None:
    checked = row("A1", "", when, "202", "", "", direction)
    if reason is None:
        assert isinstance(checked, PaperResult)
    else:
        assert isinstance(checked, list) and reason in checked[0].reason


def test_the_header_needs_its_three_columns_and_blank_lines_are_not_calls() -> None:
    with pytest.raises(HeaderProblem, match="missing column 日時 / 架電日時"):
        rows.resolve(["管理番号", "結果コード"])
    assert rows.not_called(["A1", "札幌", "", " ", "memo"], COLS)
    assert not rows.not_called(["A1", "札幌", "", "101"], COLS)
