"""What hostile input is made of, shared by the fuzz tests: injection strings, formula-looking
cells, phone numbers (to check they never come back unmasked) and the signs of a leaked stack
trace."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from hypothesis import Phase
from hypothesis import strategies as st

from dialer.domain import phone

SCRIPT = "<script>alert(1)</script>"
INJECTIONS = (
    SCRIPT, "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>", "'); DROP TABLE targets;--",
    "' OR '1'='1", "1; DELETE FROM users", "{{7*7}}", "${7*7}", "{% raw %}", "../../etc/passwd",
    "%2e%2e%2f", "\x00", "\u202e", "\ufeff", "𠮷野家", "ﾃｽﾄ", "\r\n\r\nX-Injected: 1",
)
FORMULAS = ("=cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil.test\",\"x\")", "+SUM(1,2)",
            "-2+3", "@SUM(A1)", "=1/0", "\t=1+1")
# Every example here is a request or an import (milliseconds, not microseconds): a failure is
# reported as found, not shrunk for minutes (the shrinker may take up to 5 minutes per test).
NO_SHRINK = (Phase.explicit, Phase.generate)
LEAK_SIGNS = ("Traceback", "/work/", '.py"', ".py'", "File \"", "sqlalchemy", "aiosqlite")

phones = st.builds(
    lambda prefix, a, b, sep: sep.join([prefix, a, b]),
    st.sampled_from(["090", "080", "070", "011", "0138", "03", "０９０"]),
    st.from_regex(r"[0-9]{2,4}", fullmatch=True), st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.sampled_from(["-", "", " ", "－"]),
)
hostile_text = st.one_of(st.sampled_from(INJECTIONS + FORMULAS), st.text(max_size=30))

# The names of the fields the console's forms and JSON bodies have, and values that mean
# something to them: hostile bodies use them so the handlers get past "missing field".
FIELDS = ("csrf", "seat", "reason", "target_id", "verified", "code", "note", "appointment",
          "account_transfer", "escalation", "complaint", "residents_voice", "consent", "text",
          "phone", "login", "display_name", "role", "skills", "active", "debt_type", "month",
          "encoding", "strict", "force", "kind", "scope", "title", "approver", "ref", "at",
          "from", "to", "actor", "action", "object", "page", "name", "call_id", "id",
          "password", "current", "new", "repeat", "file", "debt_types", "order_ref")
KNOWN_VALUES = ("seat01", "hoikuryo", "2027-01", "cp932", "operator", "manager", "admin", "on",
                "1", "0", "-1", "101", "204", "threat", "granted", "script", "qa", "*",
                "2027-01-12", "2027-01-12T10:00", "out_of_hours", "H001", "true", "")
texts = st.one_of(hostile_text, st.sampled_from(KNOWN_VALUES))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), inner,
                                            max_size=4)),
    max_leaves=12,
)


def phone_digits(cells: Iterable[object]) -> set[str]:
    """The numbers (digits only) that the given cells hold, in any shape a file may have them:
    what must never be shown unmasked."""
    found: set[str] = set()
    for cell in cells:
        if not isinstance(cell, str | int):
            continue
        text = unicodedata.normalize("NFKC", str(cell))
        try:
            found.add(phone.normalize(text))
        except (phone.PhoneError, ValueError):
            pass
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 9:
            found.add(digits)
    return found


def shows_a_number(text: str, numbers: set[str]) -> str | None:
    """The first of ``numbers`` that ``text`` shows (separators ignored), or None."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text))
    return next((n for n in numbers if n in digits), None)


def leaks(text: str) -> str | None:
    """The first sign of a stack trace or of the server's files in ``text``, or None."""
    return next((sign for sign in LEAK_SIGNS if sign in text), None)
