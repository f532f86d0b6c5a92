"""One data row of a loaned-data file -> a ``TargetRow``, or every ``RowError`` it has.

A row is bad — and rejected as a whole — when 管理番号 or 氏名 is empty, when any cell it has
cannot be read (a phone number, an amount, a date, a fiscal year), or when it has no phone number
at all. Empty optional cells are fine. Within a row the same number twice counts once. A number
that lost its leading zero in a spreadsheet (``9012345678``) is read as ``09012345678``.

Errors carry the row number (the header is row 1, as a spreadsheet shows it), the file's own
header, a masked value and a reason — never the value itself.

The validator runs once per row of files of 100,000 rows: it reads cells by index and builds
named tuples, and the parsers of values that repeat down a file are memoised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import NamedTuple, TypeVar

from dialer.domain import phone
from dialer.domain.debt_types import DebtType
from dialer.domain.intake import debt_check, values
from dialer.domain.intake.mapping import Columns
from dialer.domain.intake.values import ValueProblem

MAX_REF = 40
T = TypeVar("T")


class RowError(NamedTuple):
    row: int
    column: str
    value: str
    reason: str


class TargetRow(NamedTuple):
    """A good row: the target (管理番号, 氏名, カナ, numbers) and one line of debt (年度, 期別,
    納期限, 金額); rows sharing a 管理番号 are one target with several debts. Flat, so that
    chunks of them cross a process boundary cheaply."""

    row: int
    ref: str
    name: str
    kana: str | None
    phones: tuple[str, ...]
    fiscal_year: int | None = None
    installment: str | None = None
    due_date: date | None = None
    amount: int | None = None


def ref(raw: str) -> str:
    value = values.clean(raw)
    if not value:
        raise ValueProblem("empty")
    if len(value) > MAX_REF or not value.isprintable():
        raise ValueProblem(f"not a reference (printable, at most {MAX_REF} characters)")
    return value


@lru_cache(maxsize=1024)  # one person's rows follow each other with the same numbers
def phone_number(raw: str) -> str:
    """The canonical number, restoring a leading zero a spreadsheet dropped."""
    try:
        return phone.normalize(raw)
    except phone.PhoneError:
        digits = raw.strip()
        if digits.isdigit() and len(digits) in (9, 10) and not digits.startswith(("0", "０")):
            try:
                return phone.normalize("0" + digits)
            except phone.PhoneError:
                pass
        raise


class RowValidator:
    """Validates the rows of one file against its resolved columns and debt type."""

    def __init__(self, columns: Columns, debt_type: DebtType, known: Sequence[DebtType]) -> None:
        self.columns = columns
        self.debt_type = debt_type
        self.known = tuple(known)
        self._headers = columns.headers

    def __call__(self, row: int, cells: Sequence[str]) -> TargetRow | list[RowError]:
        errors: list[RowError] = []
        c = self.columns
        if len(cells) < len(self._headers):
            cells = [*cells, *[""] * (len(self._headers) - len(cells))]
        target_ref = self._read(row, cells, c.ref, ref, errors)
        target_name = self._read(row, cells, c.name, values.name, errors)
        fiscal_year = self._optional(row, cells, c.fiscal_year, values.fiscal_year, errors)
        installment = self._optional(row, cells, c.installment, values.text, errors)
        due_date = self._optional(row, cells, c.due_date, values.parse_date, errors)
        amount = self._optional(row, cells, c.amount, values.amount, errors)
        kana = self._optional(row, cells, c.kana, values.text, errors)
        phones = self._phones(row, cells, errors)
        if c.debt_type is not None:
            self._check_debt_type(row, cells[c.debt_type], errors)
        if errors or target_ref is None or target_name is None:
            return errors
        return TargetRow(row, target_ref, target_name, kana, phones, fiscal_year, installment,
                         due_date, amount)

    def _read(self, row: int, cells: Sequence[str], index: int, parse: Callable[[str], T],
              errors: list[RowError]) -> T | None:
        try:
            return parse(cells[index])
        except ValueProblem as exc:
            errors.append(RowError(row, self._headers[index], values.mask(cells[index]),
                                   str(exc)))
            return None

    def _optional(self, row: int, cells: Sequence[str], index: int | None,
                  parse: Callable[[str], T], errors: list[RowError]) -> T | None:
        if index is None or not cells[index] or cells[index].isspace():
            return None
        return self._read(row, cells, index, parse, errors)

    def _phones(self, row: int, cells: Sequence[str], errors: list[RowError]) -> tuple[str, ...]:
        numbers: list[str] = []
        seen_any = False
        for index in self.columns.phones:
            raw = cells[index]
            if not raw or raw.isspace():
                continue
            seen_any = True
            try:
                number = phone_number(raw)
            except phone.PhoneError as exc:
                errors.append(RowError(row, self._headers[index], values.mask(raw),
                                       f"phone: {exc}"))
                continue
            if number not in numbers:
                numbers.append(number)
        if not seen_any:
            errors.append(RowError(row, self._headers[self.columns.phones[0]], "(empty)",
                                   "no phone number"))
        return tuple(numbers)

    def _check_debt_type(self, row: int, raw: str, errors: list[RowError]) -> None:
        if not debt_check.check_value(raw, row, self.debt_type, self.known):
            errors.append(RowError(row, self._headers[self.columns.debt_type or 0],
                                   values.mask(raw), "names no configured debt type"))
