"""Cell values of the city's files -> typed values, or ``ValueProblem`` with a short reason.

Cells are read in NFKC form (full-width digits, letters, ``￥``, ``，`` and the ideographic space
become their plain forms) and stripped. A ``ValueProblem`` message never repeats the value, so it
can go into an error report or a log.

- Amounts: whole yen — ``12345``, ``12,345``, ``¥12,345``, ``￥１２，３４５``, ``12,345円``; a
  backslash counts as a yen sign (byte 0x5C shows as ¥ in Shift_JIS fonts); a spreadsheet's
  ``12345.0`` is 12345. Negative (``-``, ``▲``, ``△``) and fractional amounts are refused.
- Dates: ``2023-04-01`` (a time part is ignored), ``2023/4/1``, ``2023.4.1``, ``2023年4月1日``,
  ``20230401``; Japanese eras ``R5.4.1``, ``R05/04/01``, ``令和5年4月1日``, ``令和元年5月1日``,
  ``令5.4.1``, ``H31.4.30``, ``平成31年4月30日``, ``S64.1.7`` …; and the 7-digit era codes of
  municipal systems (``5050401`` = 令和5年4月1日, era digits 1 明治 … 5 令和). A date before its
  era began (``令和1年4月1日``) is refused; one after the era ended (``H31.5.1``, ``H32.1.1``) is
  read by counting on, as old city systems printed them.
- Fiscal years (年度): ``2023``, ``2023年度``, ``R5``, ``令和5年度``, ``令和元年度``, ``H31``
  -> the Gregorian year it starts in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from dialer.domain.intake import eras
from dialer.domain.intake.eras import ERA_PATTERN

MAX_AMOUNT = 999_999_999_999
MAX_TEXT = 100
_AMOUNT = re.compile(r"[¥\\]?(\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?円?")
_NEGATIVE = ("-", "▲", "△", "−")
_TIME_PART = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_YMD = re.compile(r"(\d{4})([-/.年])(\d{1,2})([-/.月])(\d{1,2})日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ERA_DATE = re.compile(rf"({ERA_PATTERN})(\d{{1,2}}|元)[-/.年](\d{{1,2}})[-/.月](\d{{1,2}})日?")
_ERA_CODE = re.compile(r"([1-5])(\d{2})(\d{2})(\d{2})")
_FISCAL = re.compile(rf"(?:(\d{{4}})|({ERA_PATTERN})(\d{{1,2}}|元))(?:年度|年|度)?")
_SEPARATOR_PAIRS = {("-", "-"), ("/", "/"), (".", "."), ("年", "月")}
_WHITESPACE = re.compile(r"\s+")
_SPACE_RUN = re.compile(r"\s\s")
# Dates, fiscal years and 期別 repeat down a file: remembering the last few thousand is cheap.
_CACHE = 4096
_MASK_KEEP = 24


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is a short English reason without the value."""


def clean(raw: str) -> str:
    """NFKC form, stripped (references, kana, codes, 期別)."""
    return unicodedata.normalize("NFKC", raw).strip()


@lru_cache(maxsize=_CACHE)
def text(raw: str, limit: int = MAX_TEXT) -> str:
    """Free text in NFKC form with runs of spaces collapsed; refused when longer than limit."""
    value = _WHITESPACE.sub(" ", clean(raw))
    if len(value) > limit:
        raise ValueProblem(f"longer than {limit} characters")
    return value


def name(raw: str, limit: int = MAX_TEXT) -> str:
    """A person's name as written (no NFKC: it would change some kanji), spaces tidied."""
    value = raw.strip()
    if _SPACE_RUN.search(value):
        value = _WHITESPACE.sub(lambda m: m.group(0)[0], value)
    if not value:
        raise ValueProblem("empty")
    if len(value) > limit:
        raise ValueProblem(f"longer than {limit} characters")
    return value


def amount(raw: str) -> int:
    """Whole yen from any of the shapes in the module docstring."""
    value = clean(raw).replace(" ", "")
    if value.startswith(_NEGATIVE):
        raise ValueProblem("negative amount")
    match = _AMOUNT.fullmatch(value)
    if match is None:
        raise ValueProblem("not an amount in whole yen")
    yen = int(match.group(1).replace(",", ""))
    if yen > MAX_AMOUNT:
        raise ValueProblem("amount too large")
    return yen


@lru_cache(maxsize=_CACHE)
def parse_date(raw: str) -> date:
    """A date from any of the shapes in the module docstring."""
    value = _TIME_PART.sub("", clean(raw)).replace(" ", "")
    if (match := _YMD.fullmatch(value)) and (match[2], match[4]) in _SEPARATOR_PAIRS:
        return _date(int(match[1]), int(match[3]), int(match[5]))
    if match := _ERA_DATE.fullmatch(value):
        return _era_date(match[1], match[2], match[3], match[4])
    if match := _COMPACT.fullmatch(value):
        return _date(int(match[1]), int(match[2]), int(match[3]))
    if match := _ERA_CODE.fullmatch(value):
        return _era_date(match[1], match[2], match[3], match[4])
    raise ValueProblem("not a date (YYYY-MM-DD, YYYY/MM/DD or an era date such as R5.4.1)")


@lru_cache(maxsize=_CACHE)
def fiscal_year(raw: str) -> int:
    """The Gregorian year a fiscal year (年度) starts in."""
    match = _FISCAL.fullmatch(clean(raw).replace(" ", ""))
    if match is None:
        raise ValueProblem("not a fiscal year (2023, R5 or 令和5年度)")
    try:
        year = int(match[1]) if match[1] else eras.gregorian_year(match[2], _era_year(match[3]))
    except eras.UnknownEra as exc:
        raise ValueProblem(str(exc)) from None
    if not 1900 <= year <= 2100:
        raise ValueProblem("fiscal year out of range")
    return year


def mask(raw: str) -> str:
    """A shape-only form for error reports: letters, digits, kana and kanji become ``*``."""
    value = raw.strip()
    if not value:
        return "(empty)"
    shape = "".join("*" if c.isalnum() else c for c in value[:_MASK_KEEP])
    return shape + ("…" if len(value) > _MASK_KEEP else "")


def _era_year(digits: str) -> int:
    return 1 if digits == "元" else int(digits)


def _era_date(era_key: str, year_token: str, month: str, day: str) -> date:
    try:
        era = eras.era(era_key)
        year = eras.gregorian_year(era_key, _era_year(year_token))
    except eras.UnknownEra as exc:
        raise ValueProblem(str(exc)) from None
    result = _date(year, int(month), int(day))
    if result < era.first_day:
        raise ValueProblem("date before the era began")
    return result


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem("no such date") from None
