"""The Japanese eras (元号) a municipal file may use, and era years -> Gregorian years.

Eras are named by their kanji (令和), an abbreviation (令), a Latin letter (R, case-insensitive)
or, in the 7-digit date codes of some municipal systems, a digit (1 明治 … 5 令和).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    digit: str
    first_day: date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", "1", date(1868, 10, 23)),
    Era("大正", "T", "2", date(1912, 7, 30)),
    Era("昭和", "S", "3", date(1926, 12, 25)),
    Era("平成", "H", "4", date(1989, 1, 8)),
    Era("令和", "R", "5", date(2019, 5, 1)),
)

_BY_KEY: dict[str, Era] = {}
for _era in ERAS:
    for _key in (_era.name, _era.name[0], _era.letter, _era.letter.lower(), _era.digit):
        _BY_KEY[_key] = _era

# Alternation for regular expressions: the longest keys first (令和 before 令).
ERA_PATTERN = "|".join(sorted((k for k in _BY_KEY if not k.isdigit()), key=len, reverse=True))


class UnknownEra(ValueError):
    pass


def era(key: str) -> Era:
    """The era named ``key`` (kanji, one-kanji abbreviation, letter or digit)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise UnknownEra("unknown era") from None


def gregorian_year(era_key: str, era_year: int) -> int:
    """``("令和", 5)`` -> 2023; year 1 is 元年."""
    if era_year < 1:
        raise UnknownEra("era year must be 1 or more")
    return era(era_key).first_day.year + era_year - 1
