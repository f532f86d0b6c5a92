"""Column mapping: the default headers, TOML overrides, and what a header row lacks."""

from __future__ import annotations

import pytest

from dialer.domain.debt_types import DEFAULT_DEBT_TYPES, resolve
from dialer.domain.intake import mapping
from dialer.domain.intake.mapping import ColumnMapping, HeaderProblem, MappingError

HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額"]
HOIKURYO = resolve("hoikuryo", DEFAULT_DEBT_TYPES)


def test_the_default_mapping_finds_every_field() -> None:
    cols = mapping.resolve(HEADER)
    assert (cols.ref, cols.name, cols.kana, cols.phones) == (0, 1, 2, (3, 4))
    assert (cols.fiscal_year, cols.installment, cols.due_date, cols.amount) == (5, 6, 7, 8)
    assert cols.debt_type is None


def test_headers_match_across_widths_and_spaces_and_extra_columns_are_ignored() -> None:
    cols = mapping.resolve(["備考", " 管理 番号 ", "氏　名", "携帯電話番号", "電話番号"])
    assert (cols.ref, cols.name) == (1, 2)
    assert cols.phones == (4, 3)  # the mapping's order: 電話番号 first, then 携帯電話番号


def test_one_phone_column_is_enough() -> None:
    assert mapping.resolve(["管理番号", "氏名", "携帯電話番号"]).phones == (2,)


def test_every_missing_column_is_listed_at_once() -> None:
    with pytest.raises(HeaderProblem) as caught:
        mapping.resolve(["氏名カナ", "金額"])
    assert caught.value.problems == [
        "missing column 管理番号",
        "missing column 氏名",
        "missing column: one of 電話番号 / 電話番号1 / 電話番号2 / 電話番号3 / 携帯電話番号 / "
        "携帯電話番号1 / 携帯電話番号2 / 携帯番号",
    ]


def test_two_columns_for_one_field_are_ambiguous() -> None:
    with pytest.raises(HeaderProblem) as caught:
        mapping.resolve(["管理番号", "氏名", "電話番号", "金額", "滞納額"])
    assert caught.value.problems == ["ambiguous: 2 columns for amount (金額, 滞納額)"]


def test_signature_headers_of_a_debt_type_are_required() -> None:
    with pytest.raises(HeaderProblem, match="missing column 学校名"):
        mapping.resolve(HEADER, ColumnMapping(required=("学校名",)))


def test_toml_override_default_then_debt_type_by_code_or_name() -> None:
    data = {"default": {"ref": ["管理番号", "整理番号"]},
            "保育所等保育料": {"name": "保護者氏名", "required": ["施設名"]},
            "rojin": {"name": "入所者氏名"}}
    result = mapping.from_toml(data, HOIKURYO, DEFAULT_DEBT_TYPES)
    assert result.ref == ("管理番号", "整理番号")
    assert result.name == ("保護者氏名",)
    assert result.required == ("施設名",)
    assert result.phones == mapping.DEFAULT_MAPPING.phones
    cols = mapping.resolve(["整理番号", "保護者氏名", "電話番号", "施設名"], result)
    assert (cols.ref, cols.name, cols.phones) == (0, 1, (2,))


def test_toml_problems_are_all_listed() -> None:
    data = {"default": {"colour": "x", "name": 3}, "nope": {}, "rojin": "x"}
    with pytest.raises(MappingError) as caught:
        mapping.from_toml(data, HOIKURYO, DEFAULT_DEBT_TYPES)
    assert caught.value.problems == [
        "[nope]: not 'default' nor a debt type code or name",
        "[rojin]: must be a table",
        "default.colour: unknown field (known: ref, name, kana, phones, fiscal_year, "
        "installment, due_date, amount, debt_type, required)",
        "default.name: a header name or a list of header names",
    ]


def test_header_problems_survive_pickling() -> None:
    import pickle

    problem = HeaderProblem(["a", "b"])
    again = pickle.loads(pickle.dumps(problem))
    assert again.problems == ["a", "b"] and str(again) == "a; b"
