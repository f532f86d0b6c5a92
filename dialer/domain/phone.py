"""Japanese telephone numbers: one canonical form, a kind, a display form and a log mask.

Pure functions, no I/O. The canonical form is the national number as ASCII digits starting with
``0`` (``'0312345678'``, ``'09012345678'``); ``normalize`` turns the shapes found in loaned data
(full-width digits, any hyphen or dash, spaces, parentheses, ``+81``/``81``, ``TEL:``) into it and
rejects anything that is not a callable domestic number with ``PhoneError``.

Accepted numbers and their lengths:

- ``070``/``080``/``090`` mobile, ``050`` IP: 11 digits.
- ``0120`` freephone: 10 digits; ``0800`` freephone: 11 digits.
- any other ``0`` + ``1``-``9`` fixed line: 10 digits.

Rejected as ``unsupported prefix`` (not for outbound calling): special services starting with
``1`` (110, 119, 117, 177, ...), ``00``/``010`` (carrier and international access), ``020``
(pager/M2M), the unused ``030``/``040``/``060``, ``0170`` (message dial), ``0180`` (telephone
information service), ``0570`` (navidial) and ``0990`` (premium rate).

``PhoneError`` messages never contain the number itself, so they can be logged.
"""

from __future__ import annotations

import re
from enum import StrEnum


class RejectReason(StrEnum):
    EMPTY = "empty"
    INVALID_CHARACTERS = "invalid characters"
    EXTENSION = "extension not allowed"
    UNBALANCED_PARENTHESES = "unbalanced parentheses"
    NOT_JAPANESE = "not a Japanese number"
    UNSUPPORTED_PREFIX = "unsupported prefix"
    WRONG_LENGTH = "wrong length"


class PhoneError(ValueError):
    """A phone number that cannot be used; ``reason`` is a short code-like English phrase."""

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(str(reason))
        self.reason = reason


class PhoneKind(StrEnum):
    MOBILE = "MOBILE"
    IP = "IP"
    FIXED = "FIXED"
    FREEPHONE = "FREEPHONE"


# Spaces (ASCII, tab, no-break, ideographic) and every hyphen, dash and minus seen in the wild,
# including katakana prolonged sound marks typed in place of hyphens.
_SEPARATORS = frozenset(" \t\u00a0\u3000-‐‑‒–—―−﹣－ーｰ")
# Full-width digits, plus and parentheses to ASCII; separators removed in the same pass.
_TRANSLATE = str.maketrans("０１２３４５６７８９＋（）", "0123456789+()", "".join(_SEPARATORS))
_TEL_PREFIX = re.compile(r"^[tTｔＴ][eEｅＥ][lLｌＬ]\s*[:：]\s*")
_EXTENSION = re.compile(r"内線|ext", re.IGNORECASE)
_SHAPE = re.compile(r"\+?[0-9()]*")
_UNSUPPORTED = ("00", "010", "020", "030", "040", "060", "0170", "0180", "0570", "0990")
_TWO_DIGIT_AREA_CODES = ("03", "06")
_MASKED = "***"


def normalize(raw: str) -> str:
    """Return the canonical national form of ``raw`` or raise ``PhoneError``."""
    text = _TEL_PREFIX.sub("", raw.strip())
    if not text:
        raise PhoneError(RejectReason.EMPTY)
    if _EXTENSION.search(text):
        raise PhoneError(RejectReason.EXTENSION)
    digits = _national_digits(_compact(text))
    if digits.startswith(_UNSUPPORTED):
        raise PhoneError(RejectReason.UNSUPPORTED_PREFIX)
    if len(digits) != _expected_length(digits):
        raise PhoneError(RejectReason.WRONG_LENGTH)
    return digits


def kind(number: str) -> PhoneKind:
    """The kind of ``number`` (any accepted shape); raises ``PhoneError`` if it is invalid."""
    return _classify(normalize(number))


def display(number: str) -> str:
    """Hyphenated human form, e.g. ``'090-1234-5678'``; raises ``PhoneError`` if invalid.

    The grouping is a heuristic: the real length of a fixed-line area code (2 to 5 digits) needs
    the national numbering table. Here ``03`` and ``06`` are 2-digit codes (``03-1234-5678``)
    and every other fixed line is shown 3-3-4 (``011-222-3333``), which is always dialable but
    not the official grouping for 4- and 5-digit codes (``0123-45-6789`` shows as
    ``012-345-6789``). Mobile and IP are 3-4-4, ``0120`` is 4-3-3 and ``0800`` is 4-3-4.
    """
    digits = normalize(number)
    return "-".join(_split(digits, _group_sizes(digits)))


def mask(number: str) -> str:
    """A form safe for logs; never raises.

    Rule: take the ``display`` grouping, keep the first group only up to its first 3 digits,
    keep the last group (3 or 4 digits), and replace every other digit with ``*``. So at most
    the first 3 and the last 4 digits show: ``090-****-5678``, ``03-****-5678`` (a 2-digit area
    code reveals only 2), ``011-***-3333``, ``012*-***-456``. Anything that is not a valid
    number (empty, garbage, foreign, wrong length) gives ``'***'``.
    """
    if not isinstance(number, str):
        return _MASKED
    try:
        digits = normalize(number)
    except PhoneError:
        return _MASKED
    groups = _split(digits, _group_sizes(digits))
    first = groups[0][:3] + "*" * (len(groups[0]) - 3)
    middle = ["*" * len(group) for group in groups[1:-1]]
    return "-".join([first, *middle, groups[-1]])


def _compact(text: str) -> str:
    """ASCII digits, parentheses and a leading ``+`` only, separators removed."""
    compact = text.translate(_TRANSLATE)
    if not compact:
        raise PhoneError(RejectReason.EMPTY)
    if not _SHAPE.fullmatch(compact):
        raise PhoneError(RejectReason.INVALID_CHARACTERS)
    _check_parentheses(compact)
    return compact


def _check_parentheses(compact: str) -> None:
    if "(" not in compact and ")" not in compact:
        return
    depth = 0
    for char in compact:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth not in (0, 1):
            raise PhoneError(RejectReason.UNBALANCED_PARENTHESES)
    if depth != 0:
        raise PhoneError(RejectReason.UNBALANCED_PARENTHESES)


def _national_digits(compact: str) -> str:
    """Strip parentheses and the ``+81``/``81`` country code (keeping a ``(0)`` trunk prefix)."""
    digits = compact.lstrip("+").replace("(", "").replace(")", "")
    if not digits:
        raise PhoneError(RejectReason.EMPTY)
    if compact.startswith("+") or digits.startswith("81"):
        if not digits.startswith("81"):
            raise PhoneError(RejectReason.NOT_JAPANESE)
        rest = digits[2:]
        return rest if rest.startswith("0") else "0" + rest
    if digits.startswith("0"):
        return digits
    if digits.startswith("1"):
        raise PhoneError(RejectReason.UNSUPPORTED_PREFIX)
    raise PhoneError(RejectReason.NOT_JAPANESE)


def _classify(digits: str) -> PhoneKind:
    if digits.startswith(("0120", "0800")):
        return PhoneKind.FREEPHONE
    if digits.startswith("050"):
        return PhoneKind.IP
    if digits.startswith(("070", "080", "090")):
        return PhoneKind.MOBILE
    return PhoneKind.FIXED


def _expected_length(digits: str) -> int:
    number_kind = _classify(digits)
    if number_kind is PhoneKind.FREEPHONE:
        return 10 if digits.startswith("0120") else 11
    return 10 if number_kind is PhoneKind.FIXED else 11


def _group_sizes(digits: str) -> tuple[int, ...]:
    number_kind = _classify(digits)
    if number_kind is PhoneKind.FREEPHONE:
        return (4, 3, 3) if digits.startswith("0120") else (4, 3, 4)
    if number_kind is PhoneKind.FIXED:
        return (2, 4, 4) if digits.startswith(_TWO_DIGIT_AREA_CODES) else (3, 3, 4)
    return (3, 4, 4)


def _split(digits: str, sizes: tuple[int, ...]) -> list[str]:
    groups: list[str] = []
    start = 0
    for size in sizes:
        groups.append(digits[start : start + size])
        start += size
    return groups
