"""Is this file really of the debt type the manager named? The rules, each refusing the file:

1. **File name**: it names another configured debt type (its Japanese name, or its code as a
   word: ``rojin_2027-01.csv``) and not the one given.
2. **Debt-type column** (債権種別 / 債権名 / 債権区分, when the file has one): a row names another
   configured debt type. A value naming no configured debt type is a row error instead.
3. **Signature headers**: a debt type's mapping may list ``required`` headers; a file without
   them is refused (see ``mapping``).

Loaned data is managed per debt type (SPEC §14(4)(5)): a file imported under the wrong type
would mix two creditor divisions' data, so these refuse the whole file rather than a row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from dialer.domain.debt_types import DebtType


class WrongDebtType(ValueError):
    """The file belongs to another debt type; the message says why (no personal data)."""


def check_file_name(file_name: str, chosen: DebtType, known: Sequence[DebtType]) -> None:
    """Rule 1: raise ``WrongDebtType`` when the name points at another debt type only."""
    text = unicodedata.normalize("NFKC", file_name)
    if _names(text, chosen):
        return
    others = [d for d in known if d.code != chosen.code and _names(text, d)]
    if others:
        raise WrongDebtType(
            f"the file name names debt type {others[0].code} ({others[0].name}), "
            f"not {chosen.code} ({chosen.name})"
        )


def check_value(value: str, row: int, chosen: DebtType, known: Sequence[DebtType]) -> bool:
    """Rule 2 for one cell: True when it names ``chosen`` (or is empty), False when it names no
    configured debt type; raises ``WrongDebtType`` when it names another one."""
    key = _key(value)
    if not key or key in (_key(chosen.code), _key(chosen.name)):
        return True
    for other in known:
        if key in (_key(other.code), _key(other.name)):
            raise WrongDebtType(
                f"row {row} is of debt type {other.code} ({other.name}), not {chosen.code}"
            )
    return False


def _names(text: str, debt_type: DebtType) -> bool:
    if unicodedata.normalize("NFKC", debt_type.name) in text:
        return True
    word = re.escape(debt_type.code)
    return re.search(rf"(?<![A-Za-z0-9]){word}(?![A-Za-z0-9])", text, re.IGNORECASE) is not None


def _key(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()
