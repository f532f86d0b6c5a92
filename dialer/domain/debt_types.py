"""The kinds of municipal debt the centre calls about (SPEC §6(1)), each managed separately.

A debt type has an ASCII code (used in files, URLs and the dialplan) and the city's Japanese
name; either form names it on the command line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class UnknownDebtType(ValueError):
    def __init__(self, given: str, known: Iterable[DebtType]) -> None:
        codes = ", ".join(d.code for d in known)
        super().__init__(f"unknown debt type {given!r} (known: {codes})")


@dataclass(frozen=True)
class DebtType:
    code: str
    name: str
    # After a payment promise the operator recommends account transfer (口座振替, §12(1)ク).
    account_transfer: bool = False


DEFAULT_DEBT_TYPES: tuple[DebtType, ...] = (
    DebtType("hoikuryo", "保育所等保育料", account_transfer=True),
    DebtType("jikangai", "公立保育所等時間外保育使用料"),
    DebtType("kyushoku", "公立保育所等給食費"),
    DebtType("jidoclub", "児童クラブ利用料", account_transfer=True),
    DebtType("yakan", "夜間急病センター使用料・手数料"),
    DebtType("fuyo_henkan", "児童扶養手当費返還金"),
    DebtType("rojin", "老人福祉施設"),
    DebtType("jugyoryo", "高等学校授業料"),
)


def resolve(given: str, known: tuple[DebtType, ...]) -> DebtType:
    """The debt type named by its code or its Japanese name (surrounding spaces ignored)."""
    wanted = given.strip()
    for debt_type in known:
        if wanted in (debt_type.code, debt_type.name):
            return debt_type
    raise UnknownDebtType(given, known)


def by_code(code: str, known: tuple[DebtType, ...]) -> DebtType | None:
    """The debt type with this code, or None (a batch of a debt type since removed)."""
    return next((debt_type for debt_type in known if debt_type.code == code), None)
