"""Cell values of the city's files: amounts, dates (ISO, slashes, eras), fiscal years, masks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.domain.intake import eras, values
from dialer.domain.intake.values import ValueProblem

FULL_WIDTH = str.maketrans("0123456789.,/-", "０１２３４５６７８９．，／－")


@pytest.mark.parametrize(("raw", "yen"), [
    ("12345", 12345), ("12,345", 12345), ("¥12,345", 12345), ("￥１２，３４５", 12345),
    ("12,345円", 12345), ("\\1,000", 1000), ("12345.0", 12345), (" 0 ", 0),
    ("1,234,567,890", 1234567890), ("１２３", 123), ("¥ 500", 500),
])
def test_amounts_in_every_shape(raw: str, yen: int) -> None:
    assert values.amount(raw) == yen


@pytest.mark.parametrize(("raw", "reason"), [
    ("-100", "negative amount"), ("▲100", "negative amount"), ("△1,000", "negative amount"),
    ("12.5", "not an amount in whole yen"), ("1,23", "not an amount in whole yen"),
    ("abc", "not an amount in whole yen"), ("", "not an amount in whole yen"),
    ("1000000000000", "amount too large"),
])
def test_bad_amounts_say_why_without_the_value(raw: str, reason: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        values.amount(raw)
    assert str(caught.value) == reason


@given(st.integers(min_value=0, max_value=values.MAX_AMOUNT))
def test_any_amount_reads_back_from_its_printed_forms(yen: int) -> None:
    full_width = f"￥{yen:,}".translate(FULL_WIDTH)
    for text in (str(yen), f"{yen:,}", f"¥{yen:,}", f"{yen:,}円", full_width):
        assert values.amount(text) == yen


@pytest.mark.parametrize(("raw", "day"), [
    ("2023-04-01", date(2023, 4, 1)), ("2023/4/1", date(2023, 4, 1)),
    ("2023.04.01", date(2023, 4, 1)), ("2023年4月1日", date(2023, 4, 1)),
    ("20230401", date(2023, 4, 1)), ("2023-04-01 00:00:00", date(2023, 4, 1)),
    ("R5.4.1", date(2023, 4, 1)), ("R05/04/01", date(2023, 4, 1)), ("r5-4-1", date(2023, 4, 1)),
    ("令和5年4月1日", date(2023, 4, 1)), ("令和５年４月１日", date(2023, 4, 1)),
    ("Ｒ５．４．１", date(2023, 4, 1)), ("令5.4.1", date(2023, 4, 1)),
    ("令和元年5月1日", date(2019, 5, 1)), ("H31.4.30", date(2019, 4, 30)),
    ("平成31年4月30日", date(2019, 4, 30)), ("S64.1.7", date(1989, 1, 7)),
    ("昭和 64年 1月 7日", date(1989, 1, 7)), ("5050401", date(2023, 4, 1)),
    ("4310430", date(2019, 4, 30)), ("H31.5.1", date(2019, 5, 1)),
])
def test_dates_iso_slashes_and_japanese_eras(raw: str, day: date) -> None:
    assert values.parse_date(raw) == day


@pytest.mark.parametrize(("raw", "reason"), [
    ("2023-02-30", "no such date"), ("R5.13.1", "no such date"),
    ("令和1年4月1日", "date before the era began"), ("H1.1.7", "date before the era began"),
    ("R0.5.1", "era year must be 1 or more"), ("X5.4.1", "not a date"),
    ("2023-4/1", "not a date"), ("tomorrow", "not a date"), ("", "not a date"),
])
def test_bad_dates_say_why(raw: str, reason: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        values.parse_date(raw)
    assert str(caught.value).startswith(reason)


def _era_forms(day: date) -> list[str]:
    era = max((e for e in eras.ERAS if e.first_day <= day), key=lambda e: e.first_day)
    year = day.year - era.first_day.year + 1
    kanji_year = "元" if year == 1 else str(year)
    return [f"{era.letter}{year}.{day.month}.{day.day}",
            f"{era.name}{kanji_year}年{day.month}月{day.day}日",
            f"{era.letter}{year:02d}/{day.month:02d}/{day.day:02d}".translate(FULL_WIDTH),
            f"{era.digit}{year:02d}{day.month:02d}{day.day:02d}"]


@given(st.dates(min_value=date(1868, 10, 23), max_value=date(2099, 12, 31)))
def test_any_date_reads_back_from_every_form(day: date) -> None:
    forms = [day.isoformat(), f"{day.year}/{day.month}/{day.day}", day.strftime("%Y%m%d"),
             f"{day.year}年{day.month}月{day.day}日", *_era_forms(day)]
    for text in forms:
        assert values.parse_date(text) == day, text


@pytest.mark.parametrize(("raw", "year"), [
    ("2023", 2023), ("2023年度", 2023), ("R5", 2023), ("令和5年度", 2023), ("令和元年度", 2019),
    ("H31", 2019), ("平成30年度", 2018), ("Ｒ５", 2023),
])
def test_fiscal_years(raw: str, year: int) -> None:
    assert values.fiscal_year(raw) == year


@pytest.mark.parametrize("raw", ["R", "1850", "令和", "FY2023", "R0"])
def test_bad_fiscal_years(raw: str) -> None:
    with pytest.raises(ValueProblem):
        values.fiscal_year(raw)


def test_names_keep_their_kanji_and_tidy_spaces() -> None:
    assert values.name("  札幌　太郎 ") == "札幌　太郎"
    assert values.name("札幌　　太郎") == "札幌　太郎"
    assert values.name("髙橋  﨑子") == "髙橋 﨑子"  # no NFKC: variant kanji stay as written
    with pytest.raises(ValueProblem, match="empty"):
        values.name(" 　")


def test_text_is_nfkc_and_bounded() -> None:
    assert values.text("ｻｯﾎﾟﾛ  ﾀﾛｳ") == "サッポロ タロウ"
    with pytest.raises(ValueProblem, match="longer than 3"):
        values.text("abcd", 3)


@pytest.mark.parametrize(("raw", "masked"), [
    ("R5.13.1", "**.**.*"), ("090-1234-56", "***-****-**"), ("山田　太郎", "**　**"),
    ("", "(empty)"), ("x" * 30, "*" * 24 + "…"),
])
def test_masks_keep_only_the_shape(raw: str, masked: str) -> None:
    assert values.mask(raw) == masked
