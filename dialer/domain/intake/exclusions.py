"""The city's stop list (do-not-call): why a target must never be dialed again.

A stop-list file has the columns 管理番号, 除外理由 (or 理由) and optionally 備考. The reason is a
code or one of the Japanese words the divisions use:

=================  =========================================================
code               accepted words
=================  =========================================================
``paid``           納付済, 納付済み, 完納, 消込, 消込済, 消込済み, 入金済, 入金済み
``dispute``        係争, 係争中, 不服申立, 不服申立て, 異議申立, 異議申立て, 審査請求
``deceased``       死亡
``moved``          転居, 転出, 転居済, 転出済
``division_stop``  停止依頼, 架電停止, 所管課停止, 所管課依頼, 停止
``other``          その他 — a note (備考) saying why is then required
=================  =========================================================

Every reason stops dialing at once and for good; the reasons appear in the reports.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from dialer.domain.intake import values
from dialer.domain.intake.mapping import HeaderProblem, header_key
from dialer.domain.intake.rows import RowError, ref
from dialer.domain.intake.values import ValueProblem

MAX_NOTE = 200


class ExclusionReason(StrEnum):
    PAID = "paid"
    DISPUTE = "dispute"
    DECEASED = "deceased"
    MOVED = "moved"
    DIVISION_STOP = "division_stop"
    OTHER = "other"


LABELS: dict[ExclusionReason, str] = {
    ExclusionReason.PAID: "納付済",
    ExclusionReason.DISPUTE: "係争中",
    ExclusionReason.DECEASED: "死亡",
    ExclusionReason.MOVED: "転居",
    ExclusionReason.DIVISION_STOP: "所管課停止依頼",
    ExclusionReason.OTHER: "その他",
}
_WORDS: dict[ExclusionReason, tuple[str, ...]] = {
    ExclusionReason.PAID: ("納付済", "納付済み", "完納", "消込", "消込済", "消込済み", "入金済",
                           "入金済み"),
    ExclusionReason.DISPUTE: ("係争", "係争中", "不服申立", "不服申立て", "異議申立", "異議申立て",
                              "審査請求"),
    ExclusionReason.DECEASED: ("死亡",),
    ExclusionReason.MOVED: ("転居", "転出", "転居済", "転出済"),
    ExclusionReason.DIVISION_STOP: ("停止依頼", "架電停止", "所管課停止", "所管課依頼", "停止"),
    ExclusionReason.OTHER: ("その他",),
}
_BY_WORD = {w: r for r, words in _WORDS.items() for w in (*words, r.value, LABELS[r])}
REF_HEADERS = ("管理番号",)
REASON_HEADERS = ("除外理由", "理由")
NOTE_HEADERS = ("備考", "内容")


@dataclass(frozen=True, slots=True)
class Exclusion:
    row: int
    ref: str
    reason: ExclusionReason
    note: str | None


@dataclass(frozen=True)
class ExclusionColumns:
    headers: tuple[str, ...]
    ref: int
    reason: int
    note: int | None


def parse_reason(raw: str) -> ExclusionReason:
    key = "".join(unicodedata.normalize("NFKC", raw).split()).lower()
    try:
        return _BY_WORD[key]
    except KeyError:
        raise ValueProblem("unknown reason (paid, dispute, deceased, moved, "
                           "division_stop, other or 納付済, 係争中, 死亡, 転居, 停止依頼, その他)"
                           ) from None


def check(reason: ExclusionReason, note: str | None) -> str | None:
    """The problem with this reason/note pair, if any."""
    if reason is ExclusionReason.OTHER and not (note and note.strip()):
        return "reason 'other' needs a note saying why"
    if note is not None and len(note) > MAX_NOTE:
        return f"note longer than {MAX_NOTE} characters"
    return None


def resolve(header: Sequence[str]) -> ExclusionColumns:
    keys = [header_key(h) for h in header]
    found = [_find(keys, names) for names in (REF_HEADERS, REASON_HEADERS, NOTE_HEADERS)]
    problems = [f"missing column {' / '.join(names)}"
                for names, index in zip((REF_HEADERS, REASON_HEADERS), found[:2], strict=True)
                if index is None]
    if problems or found[0] is None or found[1] is None:
        raise HeaderProblem(problems)
    return ExclusionColumns(tuple(header), found[0], found[1], found[2])


def validate(row: int, cells: Sequence[str], cols: ExclusionColumns) -> Exclusion | list[RowError]:
    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    errors: list[RowError] = []
    target_ref = reason = None
    try:
        target_ref = ref(cell(cols.ref))
    except ValueProblem as exc:
        errors.append(RowError(row, cols.headers[cols.ref], values.mask(cell(cols.ref)), str(exc)))
    try:
        reason = parse_reason(cell(cols.reason))
    except ValueProblem as exc:
        errors.append(RowError(row, cols.headers[cols.reason], values.mask(cell(cols.reason)),
                               str(exc)))
    note = values.clean(cell(cols.note)) or None
    problem = check(reason, note) if reason is not None else None
    if problem:
        column = cols.headers[cols.note] if cols.note is not None else "備考"
        errors.append(RowError(row, column, values.mask(note or ""), problem))
    if errors or target_ref is None or reason is None:
        return errors
    return Exclusion(row, target_ref, reason, note)


def _find(keys: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {header_key(n) for n in names}
    return next((i for i, k in enumerate(keys) if k in wanted), None)
