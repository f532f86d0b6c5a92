"""Japanese phone numbers: normalize, kind, display and mask."""

from __future__ import annotations

import random
import re

import pytest

from dialer.domain.phone import (
    PhoneError,
    PhoneKind,
    RejectReason,
    display,
    kind,
    mask,
    normalize,
)

ACCEPTED = [
    # plain and hyphenated
    ("0312345678", "0312345678"),
    ("03-1234-5678", "0312345678"),
    ("09012345678", "09012345678"),
    ("090-1234-5678", "09012345678"),
    ("011-222-3333", "0112223333"),
    ("0123-45-6789", "0123456789"),
    ("050-1234-5678", "05012345678"),
    ("070-1234-5678", "07012345678"),
    ("080-1234-5678", "08012345678"),
    ("0120-123-456", "0120123456"),
    ("0800-123-4567", "08001234567"),
    # full-width digits and every kind of hyphen / dash
    ("０９０１２３４５６７８", "09012345678"),
    ("０９０－１２３４－５６７８", "09012345678"),
    ("090‐1234‐5678", "09012345678"),
    ("090–1234–5678", "09012345678"),
    ("090—1234—5678", "09012345678"),
    ("090−1234−5678", "09012345678"),
    ("090ー1234ー5678", "09012345678"),
    ("090ｰ1234ｰ5678", "09012345678"),
    ("０９０ー１２３４ー５６７８", "09012345678"),
    ("03-1234–5678", "0312345678"),
    # spaces, including full-width and surrounding whitespace
    ("090 1234 5678", "09012345678"),
    ("090　1234　5678", "09012345678"),
    ("  03-1234-5678  ", "0312345678"),
    ("\t０３　１２３４　５６７８\n", "0312345678"),
    ("　090-1234-5678　", "09012345678"),
    # parentheses
    ("(011)123-4567", "0111234567"),
    ("０１１（２２２）３３３３", "0112223333"),
    ("03(1234)5678", "0312345678"),
    ("(03) 1234-5678", "0312345678"),
    # international prefix
    ("+81 90-1234-5678", "09012345678"),
    ("+819012345678", "09012345678"),
    ("+81-3-1234-5678", "0312345678"),
    ("+81 (0)3 1234 5678", "0312345678"),
    ("+81(0)90-1234-5678", "09012345678"),
    ("+81 03-1234-5678", "0312345678"),
    ("＋８１　９０－１２３４－５６７８", "09012345678"),
    ("81 90 1234 5678", "09012345678"),
    ("81-120-123-456", "0120123456"),
    # TEL: prefix
    ("TEL:03-1234-5678", "0312345678"),
    ("TEL: 090-1234-5678", "09012345678"),
    ("tel:+81-3-1234-5678", "0312345678"),
    ("Tel：０３－１２３４－５６７８", "0312345678"),
    ("ＴＥＬ：090 1234 5678", "09012345678"),
    ("  TEL : 011-222-3333 ", "0112223333"),
]


@pytest.mark.parametrize(("raw", "expected"), ACCEPTED)
def test_normalize_accepts(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [expected for _, expected in ACCEPTED])
def test_normalize_is_idempotent(raw: str) -> None:
    assert normalize(normalize(raw)) == normalize(raw)


REJECTED = [
    ("", RejectReason.EMPTY),
    ("   ", RejectReason.EMPTY),
    ("　", RejectReason.EMPTY),
    ("---", RejectReason.EMPTY),
    ("TEL:", RejectReason.EMPTY),
    ("()", RejectReason.EMPTY),
    ("+", RejectReason.EMPTY),
    ("03-1234-567a", RejectReason.INVALID_CHARACTERS),
    ("abc", RejectReason.INVALID_CHARACTERS),
    ("〇三-1234-5678", RejectReason.INVALID_CHARACTERS),
    ("03.1234.5678", RejectReason.INVALID_CHARACTERS),
    ("03/1234/5678", RejectReason.INVALID_CHARACTERS),
    ("090-1234-5678 x12", RejectReason.INVALID_CHARACTERS),
    ("03-1234-5678#12", RejectReason.INVALID_CHARACTERS),
    ("81+90-1234-5678", RejectReason.INVALID_CHARACTERS),
    ("٠٣١٢٣٤٥٦٧٨", RejectReason.INVALID_CHARACTERS),  # Arabic-Indic digits
    ("①②③", RejectReason.INVALID_CHARACTERS),
    ("03-1234-5678 内線123", RejectReason.EXTENSION),
    ("03-1234-5678（内線１２）", RejectReason.EXTENSION),
    ("03-1234-5678 ext. 12", RejectReason.EXTENSION),
    ("03-1234-5678 EXT12", RejectReason.EXTENSION),
    ("(03-1234-5678", RejectReason.UNBALANCED_PARENTHESES),
    ("03)1234(5678", RejectReason.UNBALANCED_PARENTHESES),
    ("((03))1234-5678", RejectReason.UNBALANCED_PARENTHESES),
    ("+1 212 555 1234", RejectReason.NOT_JAPANESE),
    ("+44 20 7946 0958", RejectReason.NOT_JAPANESE),
    ("+03-1234-5678", RejectReason.NOT_JAPANESE),
    ("2223333", RejectReason.NOT_JAPANESE),
    ("90-1234-5678", RejectReason.NOT_JAPANESE),
    ("110", RejectReason.UNSUPPORTED_PREFIX),
    ("119", RejectReason.UNSUPPORTED_PREFIX),
    ("117", RejectReason.UNSUPPORTED_PREFIX),
    ("177", RejectReason.UNSUPPORTED_PREFIX),
    ("１１０", RejectReason.UNSUPPORTED_PREFIX),
    ("0570-123-456", RejectReason.UNSUPPORTED_PREFIX),
    ("0570-01-2345", RejectReason.UNSUPPORTED_PREFIX),
    ("0990-123-456", RejectReason.UNSUPPORTED_PREFIX),
    ("020-1234-5678", RejectReason.UNSUPPORTED_PREFIX),
    ("0180-123-456", RejectReason.UNSUPPORTED_PREFIX),
    ("0170-123-456", RejectReason.UNSUPPORTED_PREFIX),
    ("060-1234-5678", RejectReason.UNSUPPORTED_PREFIX),
    ("010-1-212-555-1234", RejectReason.UNSUPPORTED_PREFIX),
    ("0033-1234-5678", RejectReason.UNSUPPORTED_PREFIX),
    ("+81 570-123-456", RejectReason.UNSUPPORTED_PREFIX),
    ("090-1234-567", RejectReason.WRONG_LENGTH),
    ("090-1234-56789", RejectReason.WRONG_LENGTH),
    ("050-1234-567", RejectReason.WRONG_LENGTH),
    ("070-123-4567", RejectReason.WRONG_LENGTH),
    ("0120-123-4567", RejectReason.WRONG_LENGTH),
    ("0120-12-345", RejectReason.WRONG_LENGTH),
    ("0800-123-456", RejectReason.WRONG_LENGTH),
    ("03-1234-567", RejectReason.WRONG_LENGTH),
    ("03-1234-56789", RejectReason.WRONG_LENGTH),
    ("011-222-33333", RejectReason.WRONG_LENGTH),
    ("0", RejectReason.WRONG_LENGTH),
    ("+81", RejectReason.WRONG_LENGTH),
    ("+81 90-1234-567", RejectReason.WRONG_LENGTH),
]


@pytest.mark.parametrize(("raw", "reason"), REJECTED)
def test_normalize_rejects_with_reason(raw: str, reason: RejectReason) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize(raw)
    assert caught.value.reason is reason
    assert str(caught.value) == reason.value


def test_phone_error_is_a_value_error_with_plain_text_reason() -> None:
    with pytest.raises(ValueError, match=r"^wrong length$"):
        normalize("090-1234-567")


@pytest.mark.parametrize("raw", ["090-1234-5678 内線1", "03-9876-5432x", "+1 212 555 1234"])
def test_phone_error_message_never_contains_the_digits(raw: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize(raw)
    assert not re.search(r"\d", str(caught.value))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("090-1234-5678", PhoneKind.MOBILE),
        ("080-1234-5678", PhoneKind.MOBILE),
        ("070-1234-5678", PhoneKind.MOBILE),
        ("050-1234-5678", PhoneKind.IP),
        ("0120-123-456", PhoneKind.FREEPHONE),
        ("0800-123-4567", PhoneKind.FREEPHONE),
        ("03-1234-5678", PhoneKind.FIXED),
        ("011-222-3333", PhoneKind.FIXED),
        ("0123-45-6789", PhoneKind.FIXED),
        ("+81 (0)6 1234 5678", PhoneKind.FIXED),
        ("０９０１２３４５６７８", PhoneKind.MOBILE),
    ],
)
def test_kind(raw: str, expected: PhoneKind) -> None:
    assert kind(raw) is expected


@pytest.mark.parametrize("raw", ["", "110", "0570-123-456", "090-1234-567"])
def test_kind_rejects_invalid(raw: str) -> None:
    with pytest.raises(PhoneError):
        kind(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09012345678", "090-1234-5678"),
        ("+81 90 1234 5678", "090-1234-5678"),
        ("05012345678", "050-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("0612345678", "06-1234-5678"),
        ("0112223333", "011-222-3333"),
        ("０１１（２２２）３３３３", "011-222-3333"),
        ("0451234567", "045-123-4567"),
        ("0123456789", "012-345-6789"),  # heuristic: 4-digit area codes shown 3-3-4
        ("0120123456", "0120-123-456"),
        ("08001234567", "0800-123-4567"),
    ],
)
def test_display(raw: str, expected: str) -> None:
    assert display(raw) == expected
    assert normalize(display(raw)) == normalize(raw)


def test_display_rejects_invalid() -> None:
    with pytest.raises(PhoneError):
        display("03-1234")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09012345678", "090-****-5678"),
        ("090-1234-5678", "090-****-5678"),
        ("＋８１　９０－１２３４－５６７８", "090-****-5678"),
        ("05012345678", "050-****-5678"),
        ("0312345678", "03-****-5678"),
        ("06-9876-5432", "06-****-5432"),
        ("0112223333", "011-***-3333"),
        ("0123456789", "012-***-6789"),
        ("0120123456", "012*-***-456"),
        ("08001234567", "080*-***-4567"),
    ],
)
def test_mask_valid(raw: str, expected: str) -> None:
    assert mask(raw) == expected


GARBAGE = [
    "",
    " ",
    "　",
    "-",
    "*",
    "***",
    "0",
    "090",
    "090-1234",
    "090-1234-567",
    "090-1234-56789",
    "123456789012345678901234567890",
    "+1 212 555 1234",
    "03-1234-5678 内線123",
    "abc",
    "NULL",
    "None",
    "\x00",
    "\ud800",
    "0570-123-456",
    "110",
    "(((",
    "090-1234-5678" * 3,
    "9" * 10_000,
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_mask_garbage_gives_stars(raw: str) -> None:
    assert mask(raw) == "***"


def _digit_count(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _random_strings(seed: int, count: int) -> list[str]:
    alphabet = "0123456789０１２３４５６７８９+＋()（）-－ー 　TELtel:内線x#81\n\t.あ"
    rng = random.Random(seed)
    return ["".join(rng.choices(alphabet, k=rng.randint(0, 20))) for _ in range(count)]


def _check_mask(raw: str) -> None:
    masked = mask(raw)
    assert _digit_count(masked) <= 7, raw
    if masked != "***":
        digits = normalize(raw)
        shown_head = masked.split("-")[0].rstrip("*")
        assert 2 <= len(shown_head) <= 3, raw
        assert digits.startswith(shown_head), raw
        assert masked.replace("-", "").endswith(digits[-3:]), raw
        assert len(masked.replace("-", "")) == len(digits), raw


@pytest.mark.parametrize("raw", GARBAGE + [raw for raw, _ in ACCEPTED])
def test_mask_reveals_at_most_seven_digits(raw: str) -> None:
    _check_mask(raw)


def test_mask_never_raises_on_random_strings() -> None:
    for raw in _random_strings(seed=7, count=2000):
        _check_mask(raw)


def test_mask_survives_non_string() -> None:
    assert mask(None) == "***"  # type: ignore[arg-type]
    assert mask(9012345678) == "***"  # type: ignore[arg-type]


def test_normalize_only_raises_phone_error_on_random_strings() -> None:
    for raw in _random_strings(seed=11, count=2000):
        try:
            result = normalize(raw)
        except PhoneError as error:
            assert isinstance(error.reason, RejectReason), raw
        else:
            assert re.fullmatch(r"0[1-9][0-9]{8,9}", result), raw
            assert normalize(result) == result, raw


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CANONICAL = ["09012345678", "05098765432", "0312345678", "0112223333", "0120123456"]


def _decorate(number: str, rng: random.Random) -> str:
    """The same number in a random shape that loaned data might contain."""
    separators = ["", "", "-", "－", "ー", "‐", "−", " ", "　"]
    body = number[1:] if rng.random() < 0.3 else number
    text = "".join(char + rng.choice(separators) for char in body).strip("-－ー‐− 　")
    if rng.random() < 0.5:
        text = text.translate(_FULL_WIDTH)
    if body != number:
        text = rng.choice(["+81 ", "+81-", "＋８１", "81 ", "+81 (0)"]) + text
    return rng.choice(["", "TEL:", "tel: ", " "]) + text + rng.choice(["", " ", "　"])


def test_normalize_and_mask_on_random_shapes_of_valid_numbers() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        number = rng.choice(_CANONICAL)
        raw = _decorate(number, rng)
        assert normalize(raw) == number, raw
        assert mask(raw) == mask(number), raw
        _check_mask(raw)
