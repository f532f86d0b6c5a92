"""Names as an operator types them: one folded form to compare (pure).

A resident calling back gives their name; the operator types it as heard — in katakana or
hiragana, full- or half-width, with or without the space between family and given name. ``fold``
maps all of these to one form: NFKC (half-width katakana to full-width, full-width letters and
digits to ASCII), katakana to hiragana, letters lower-cased, spaces and middle dots removed. The
import stores each target's folded name and kana (``dialer.adapters.db.targets``) so a prefix
search is an index range, never a scan.
"""

from __future__ import annotations

import unicodedata

_KATAKANA_FIRST, _KATAKANA_LAST = 0x30A1, 0x30F6  # ァ … ヶ (ヴ ヵ ヶ included)
_TO_HIRAGANA = 0x60
_DROPPED = frozenset("・･")


def fold(text: str) -> str:
    """The comparable form of a name or its reading."""
    wide = unicodedata.normalize("NFKC", text)
    kept = (ch for ch in wide if not ch.isspace() and ch not in _DROPPED)
    return "".join(_hiragana(ch) for ch in kept).lower()


def _hiragana(ch: str) -> str:
    code = ord(ch)
    return chr(code - _TO_HIRAGANA) if _KATAKANA_FIRST <= code <= _KATAKANA_LAST else ch
