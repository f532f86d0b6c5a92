"""Row validation, wrong-debt-type detection and the stop list's rows."""

from __future__ import annotations

from datetime import date

import pytest

from dialer.domain.debt_types import DEFAULT_DEBT_TYPES, resolve
from dialer.domain.intake import debt_check, exclusions, mapping
from dialer.domain.intake.debt_check import WrongDebtType
from dialer.domain.intake.exclusions import Exclusion, ExclusionReason
from dialer.domain.intake.rows import RowError, RowValidator, TargetRow, phone_number

HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額", "債権種別"]
HOIKURYO = resolve("hoikuryo", DEFAULT_DEBT_TYPES)
validate = RowValidator(mapping.resolve(HEADER), HOIKURYO, DEFAULT_DEBT_TYPES)


def row(**cells: str) -> list[str]:
    base = {"管理番号": "A001", "氏名": "札幌　太郎", "氏名カナ": "ｻｯﾎﾟﾛ ﾀﾛｳ",
            "電話番号": "０１１－２２２－３３３３", "携帯電話番号": "090-1234-5678",
            "年度": "令和5年度", "期別": "第１期", "納期限": "R5.4.30", "金額": "￥12,345",
            "債権種別": "保育所等保育料"}
    base.update(cells)
    return [base[h] for h in HEADER]


def test_a_good_row_in_canonical_form() -> None:
    assert validate(2, row()) == TargetRow(
        2, "A001", "札幌　太郎", "サッポロ タロウ", ("0112223333", "09012345678"),
        2023, "第1期", date(2023, 4, 30), 12345)


def test_empty_optional_cells_and_a_short_row_are_fine() -> None:
    result = validate(3, ["A002", "函館 花子", "", "", "080-1111-2222"])
    assert isinstance(result, TargetRow)
    assert result.phones == ("08011112222",)
    assert (result.kana, result.fiscal_year, result.due_date, result.amount) == (None,) * 4


def test_the_same_number_twice_counts_once_and_a_lost_zero_comes_back() -> None:
    result = validate(2, row(電話番号="9012345678", 携帯電話番号="090-1234-5678"))
    assert isinstance(result, TargetRow) and result.phones == ("09012345678",)
    assert phone_number("112223333") == "0112223333"


def test_every_bad_cell_of_a_row_is_reported_masked() -> None:
    result = validate(7, row(管理番号=" ", 電話番号="011-222", 納期限="R5.13.1", 金額="-5",
                             年度="X"))
    assert result == [
        RowError(7, "管理番号", "(empty)", "empty"),
        RowError(7, "年度", "*", "not a fiscal year (2023, R5 or 令和5年度)"),
        RowError(7, "納期限", "**.**.*", "no such date"),
        RowError(7, "金額", "-*", "negative amount"),
        RowError(7, "電話番号", "***-***", "phone: wrong length"),
    ]


@pytest.mark.parametrize(("number", "reason"), [
    ("110", "phone: unsupported prefix"), ("+1 212 555 0100", "phone: not a Japanese number"),
    ("0570-000-000", "phone: unsupported prefix"),
    ("03-1234-5678 内線12", "phone: extension not allowed"),
    ("090-1234-567a", "phone: invalid characters"),
])
def test_impossible_numbers_are_rejected_with_the_reason(number: str, reason: str) -> None:
    result = validate(2, row(電話番号=number))
    assert isinstance(result, list) and [e.reason for e in result] == [reason]


def test_a_row_without_any_number_is_bad() -> None:
    assert validate(4, row(電話番号="", 携帯電話番号=" ")) == [
        RowError(4, "電話番号", "(empty)", "no phone number")]


def test_a_debt_type_column_naming_another_type_refuses_the_file() -> None:
    assert isinstance(validate(2, row(債権種別="hoikuryo")), TargetRow)
    assert isinstance(validate(2, row(債権種別="")), TargetRow)
    with pytest.raises(WrongDebtType, match="row 9 is of debt type rojin"):
        validate(9, row(債権種別="老人福祉施設"))
    assert validate(2, row(債権種別="謎の債権")) == [
        RowError(2, "債権種別", "****", "names no configured debt type")]


@pytest.mark.parametrize(("name", "wrong"), [
    ("保育所等保育料_202701.csv", False), ("hoikuryo-2027-01.xlsx", False), ("list.csv", False),
    ("老人福祉施設_202701.csv", True), ("rojin_2027-01.csv", True), ("ROJIN.csv", True),
    ("保育所等保育料と老人福祉施設.csv", False), ("prorojinx.csv", False),
])
def test_file_names_of_another_debt_type(name: str, wrong: bool) -> None:
    if wrong:
        with pytest.raises(WrongDebtType, match="names debt type rojin"):
            debt_check.check_file_name(name, HOIKURYO, DEFAULT_DEBT_TYPES)
    else:
        debt_check.check_file_name(name, HOIKURYO, DEFAULT_DEBT_TYPES)


@pytest.mark.parametrize(("word", "reason"), [
    ("納付済", ExclusionReason.PAID), ("消込", ExclusionReason.PAID),
    ("paid", ExclusionReason.PAID),
    ("係争中", ExclusionReason.DISPUTE), ("死亡", ExclusionReason.DECEASED),
    ("転出", ExclusionReason.MOVED), ("停止依頼", ExclusionReason.DIVISION_STOP),
    ("その他", ExclusionReason.OTHER), ("DIVISION_STOP", ExclusionReason.DIVISION_STOP),
])
def test_exclusion_reasons_by_code_or_japanese_word(word: str, reason: ExclusionReason) -> None:
    assert exclusions.parse_reason(word) is reason


def test_exclusion_rows() -> None:
    cols = exclusions.resolve(["管理番号", "除外理由", "備考"])
    assert exclusions.validate(2, ["A001", "納付済み", ""], cols) == Exclusion(
        2, "A001", ExclusionReason.PAID, None)
    assert exclusions.validate(3, ["A002", "その他", ""], cols) == [
        RowError(3, "備考", "(empty)", "reason 'other' needs a note saying why")]
    bad = exclusions.validate(4, ["", "引越し", ""], cols)
    assert isinstance(bad, list) and [e.column for e in bad] == ["管理番号", "除外理由"]


def test_an_exclusion_file_needs_its_columns() -> None:
    with pytest.raises(mapping.HeaderProblem) as caught:
        exclusions.resolve(["管理番号", "氏名"])
    assert caught.value.problems == ["missing column 除外理由 / 理由"]
