"""Folding names for the caller search: width, katakana/hiragana, spaces."""

from __future__ import annotations

import pytest

from dialer.domain.kana import fold


@pytest.mark.parametrize("typed", [
    "オリカエシ タロウ", "おりかえし たろう", "ｵﾘｶｴｼ ﾀﾛｳ", "オリカエシ　タロウ", "おりかえしタロウ",
    " オリカエシ・タロウ ",
])
def test_every_spelling_of_a_reading_folds_to_one_form(typed: str) -> None:
    assert fold(typed) == "おりかえしたろう"


def test_voiced_half_width_kana_combine_and_small_kana_stay_small() -> None:
    assert fold("ｶﾞｯｺｳ") == fold("ガッコウ") == "がっこう"
    assert fold("ヴァイオリン") == "ゔぁいおりん"


def test_kanji_names_lose_spaces_and_width_only() -> None:
    assert fold("折返　太郎") == fold("折返 太郎") == "折返太郎"
    assert fold("ＳＭＩＴＨ　Ｊｏｈｎ") == "smithjohn"


def test_the_long_vowel_mark_is_kept_and_nothing_else_is_invented() -> None:
    assert fold("サトー") == "さとー"
    assert fold("") == ""
    assert fold("%_\\") == "%_\\"  # wildcards are the caller's to escape
