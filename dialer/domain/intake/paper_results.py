"""Results made outside the system — on the paper fallback list (SPEC §9(6)) while the system was
down — as the rows of a file entered afterwards (``dialer results import``).

The file has the columns 管理番号, 日時 and 結果コード (or 結果, the paper list's column), and
optionally メモ (or 備考), 担当 (the operator's login, as the paper list prints it) and 区分
(発信 — the default — or 着信 for a resident who called back). Other columns (the paper list's
氏名, 電話番号 …) are ignored. A row with neither 日時 nor 結果 is a line of the paper list
nobody called: it is skipped, not an error.

A row is good when:

- 管理番号 is a reference (the service then looks it up in the one batch named);
- 日時 is ``YYYY-MM-DD HH:MM`` (``/`` for ``-``, seconds and full-width digits allowed), a time at
  the centre, not in the future, and inside the list's own month's calling period (an outbound
  call) or callback-handling period (a callback);
- 結果コード is a code of the classification table, or its label as written (``納付約束``),
  except the dialer's abandoned-call code, which no hand-dialed call can have;
- メモ has at most ``NOTE_MAX`` characters.

Errors carry the row number (the header is row 1), the column and a reason; 管理番号, メモ and
担当 are masked, the time and the code (no personal data) are shown, clipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dialer.domain.calendar import Period
from dialer.domain.intake import values
from dialer.domain.intake.mapping import HeaderProblem, header_key
from dialer.domain.intake.rows import RowError, ref
from dialer.domain.intake.values import ValueProblem
from dialer.domain.outcomes import ABANDONED, Classification, ResultCode
from dialer.domain.result_form import NOTE_MAX, clean_note

REF_HEADERS = ("管理番号",)
TIME_HEADERS = ("日時", "架電日時")
CODE_HEADERS = ("結果コード", "結果")
NOTE_HEADERS = ("メモ", "備考")
OPERATOR_HEADERS = ("担当", "担当者")
DIRECTION_HEADERS = ("区分",)
DIRECTIONS = {"": "out", "発信": "out", "架電": "out", "out": "out",
              "着信": "in", "折返し": "in", "折り返し": "in", "in": "in"}
_TIME = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_SHOWN = 20  # characters of a time or code shown in an error


@dataclass(frozen=True, slots=True)
class PaperResult:
    """A good row: one call's result, at a time of the centre's zone."""

    row: int
    ref: str
    at: datetime
    code: str
    note: str
    direction: str  # "out": the operator called; "in": the resident called back
    operator: str  # the operator's login as written ("" if none)


@dataclass(frozen=True)
class ResultColumns:
    headers: tuple[str, ...]
    ref: int
    at: int
    code: int
    note: int | None
    operator: int | None
    direction: int | None


@dataclass(frozen=True)
class RowRules:
    """What every row is checked against: the table, the centre's zone and clock, and the
    list's own month's period."""

    classification: Classification
    tz: ZoneInfo
    now: datetime
    period: Period


def resolve(header: Sequence[str]) -> ResultColumns:
    """Each column's index, or ``HeaderProblem`` naming every required column missing."""
    keys = [header_key(h) for h in header]
    required = (REF_HEADERS, TIME_HEADERS, CODE_HEADERS)
    found = [_find(keys, names) for names in required]
    problems = [f"missing column {' / '.join(names)}"
                for names, index in zip(required, found, strict=True) if index is None]
    ref_at, time_at, code_at = found
    if problems or ref_at is None or time_at is None or code_at is None:
        raise HeaderProblem([*problems, "a results file has the columns 管理番号, 日時, "
                             "結果コード and optionally メモ, 担当, 区分"])
    return ResultColumns(tuple(header), ref_at, time_at, code_at, _find(keys, NOTE_HEADERS),
                         _find(keys, OPERATOR_HEADERS), _find(keys, DIRECTION_HEADERS))


def not_called(cells: Sequence[str], cols: ResultColumns) -> bool:
    """A line of the paper list left blank: no time and no result."""
    return not (_cell(cells, cols.at).strip() or _cell(cells, cols.code).strip())


def validate(row: int, cells: Sequence[str], cols: ResultColumns, rules: RowRules
             ) -> PaperResult | list[RowError]:
    errors: list[RowError] = []

    def check(index: int | None, shown: bool, parse: Callable[[str], object]) -> object:
        raw = _cell(cells, index)
        try:
            return parse(raw)
        except ValueProblem as exc:
            column = cols.headers[index] if index is not None else ""
            errors.append(RowError(row, column, _shown(raw) if shown else values.mask(raw),
                                   str(exc)))
            return None

    target = check(cols.ref, False, ref)
    direction = str(check(cols.direction, True, direction_of) or "out")
    at = check(cols.at, True, lambda raw: checked_time(raw, rules, direction))
    code = check(cols.code, True, lambda raw: result_code(raw, rules.classification).code)
    note = check(cols.note, False, note_of)
    operator = values.clean(_cell(cells, cols.operator))
    if errors or not isinstance(target, str) or not isinstance(at, datetime) \
            or not isinstance(code, str):
        return errors
    return PaperResult(row, target, at, code, str(note or ""), direction, operator)


def parse_time(raw: str, tz: ZoneInfo) -> datetime:
    """``YYYY-MM-DD HH:MM`` (or with ``/``, seconds, full-width digits) at the centre."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueProblem("not a time: write YYYY-MM-DD HH:MM (the centre's time)")
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        raise ValueProblem("no such date or time") from None


def checked_time(raw: str, rules: RowRules, direction: str) -> datetime:
    """The row's time, refused in the future or outside the list's period for its direction."""
    at = parse_time(raw, rules.tz)
    if at > rules.now:
        raise ValueProblem("in the future")
    if direction == "in":
        if at.date() not in rules.period.callback:
            raise ValueProblem(f"outside this list's callback period ({rules.period.callback})")
    elif at.date() not in rules.period.calling:
        hint = "; a callback? set 区分 to 着信" if at.date() in rules.period.callback else ""
        raise ValueProblem(f"outside this list's calling period ({rules.period.calling}){hint}")
    return at


def result_code(raw: str, table: Classification) -> ResultCode:
    """The table's code written as its code (full-width digits allowed) or its label."""
    key = "".join(unicodedata.normalize("NFKC", raw).split())
    for result in allowed(table):
        if key in (result.code, "".join(unicodedata.normalize("NFKC", result.label).split())):
            return result
    raise ValueProblem(f"unknown result code (valid: {valid_codes(table)}; `dialer outcomes` "
                       "lists them)" if key else "empty")


def allowed(table: Classification) -> tuple[ResultCode, ...]:
    """The codes a hand-dialed call may end with: all but the dialer's abandoned call."""
    return tuple(c for c in table.codes if c.code != ABANDONED)


def valid_codes(table: Classification) -> str:
    return " ".join(c.code for c in allowed(table))


def direction_of(raw: str) -> str:
    key = "".join(unicodedata.normalize("NFKC", raw).split()).lower()
    try:
        return DIRECTIONS[key]
    except KeyError:
        raise ValueProblem("区分 is 発信 (the operator called) or 着信 (a callback)") from None


def note_of(raw: str) -> str:
    note = clean_note(raw)
    if len(note) > NOTE_MAX:
        raise ValueProblem(f"at most {NOTE_MAX} characters")
    return note


def minute(at: datetime) -> datetime:
    """The minute ``at`` falls in: two results of one target in one minute are one call."""
    return at.replace(second=0, microsecond=0)


def _cell(cells: Sequence[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _shown(raw: str) -> str:
    text = "".join(c for c in raw.strip() if c.isprintable())
    return (text[:_SHOWN] + ("…" if len(text) > _SHOWN else "")) or "(empty)"


def _find(keys: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {header_key(n) for n in names}
    return next((i for i, k in enumerate(keys) if k in wanted), None)
