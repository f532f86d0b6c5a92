"""The TOML tables of their own shape -> typed settings: `[debt_types]`, `[[seats]]`,
`[outcomes]` and `[reports]` (`[calendar]` and `[[periods]]`: ``dialer.config_calendar``).

Every problem is collected (never raised one at a time) so a bad file is refused with all its
mistakes listed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any

from dialer.domain import outcomes
from dialer.domain.debt_types import DEFAULT_DEBT_TYPES, DebtType
from dialer.domain.outcomes import Classification, Mark, ResultCode, Retry
from dialer.domain.reports import definitions as report_definitions
from dialer.domain.reports.definitions import Definitions
from dialer.domain.reports.schedule import (
    DEFAULT_AT,
    DEFAULT_DEADLINE_AT,
    parse_daily_at,
    parse_deadline_at,
)


def debt_types(raw: Any, problems: list[str]) -> tuple[DebtType, ...]:
    if raw is None:
        return DEFAULT_DEBT_TYPES
    if not isinstance(raw, dict) or not raw:
        problems.append("[debt_types]: a table of code = \"name\" (or code = {name=…}) entries")
        return DEFAULT_DEBT_TYPES
    return tuple(t for code, v in raw.items() if (t := _debt_type(code, v, problems)))


def _debt_type(code: str, value: Any, problems: list[str]) -> DebtType | None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,31}", code):
        problems.append(f"debt_types.{code}: code must be lower-case ASCII letters/digits/_")
        return None
    if isinstance(value, str) and value.strip():
        return DebtType(code, value.strip())
    if isinstance(value, dict) and isinstance(value.get("name"), str) and set(value) <= {
        "name", "account_transfer"
    } and isinstance(value.get("account_transfer", False), bool):
        return DebtType(code, value["name"], bool(value.get("account_transfer", False)))
    problems.append(f"debt_types.{code}: give the Japanese name, or {{name=…, account_transfer=…}}")
    return None


@dataclass(frozen=True)
class Seat:
    """An operator seat's SIP phone (pjsip endpoint ``name``).

    A production phone registers with ``password``; a phone at a fixed address (and a sandbox
    phone) is reached at ``contact``. Liveness: Asterisk asks the phone every ``qualify_s``
    seconds (SIP OPTIONS; unanswered: the phone is unreachable and its session is ended) and
    ends the seat's session after ``rtp_timeout_s`` seconds without audio from it (also on
    hold); ``None`` is the default, 0 turns the check off.
    """

    name: str
    password: str = ""
    contact: str = ""
    qualify_s: int | None = None
    rtp_timeout_s: int | None = None

    @property
    def qualify_frequency(self) -> int:
        return DEFAULT_QUALIFY_S if self.qualify_s is None else self.qualify_s

    @property
    def rtp_timeout(self) -> int:
        return DEFAULT_RTP_TIMEOUT_S if self.rtp_timeout_s is None else self.rtp_timeout_s


DEFAULT_QUALIFY_S = 10
DEFAULT_RTP_TIMEOUT_S = 30
SEAT_KEYS = {"name", "password", "contact", "qualify_s", "rtp_timeout_s"}


def seats(raw: Any, problems: list[str]) -> tuple[Seat, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("[[seats]]: an array of tables (name, password)")
        return ()
    out = [s for index, entry in enumerate(raw, 1) if (s := _seat(entry, index, problems))]
    names = [s.name for s in out]
    problems.extend(f"seats: {n!r} given twice" for n in sorted(set(names)) if names.count(n) > 1)
    return tuple(out)


def _seat(entry: Any, index: int, problems: list[str]) -> Seat | None:
    where = f"seats[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        problems.append(f"{where}: needs name = \"seat01\" (and password = …)")
        return None
    problems.extend(f"{where}.{k}: unknown key" for k in sorted(set(entry) - SEAT_KEYS))
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", entry["name"]):
        problems.append(f"{where}.name: letters, digits, - and _ only")
        return None
    password, contact = entry.get("password", ""), entry.get("contact", "")
    if not isinstance(password, str) or not isinstance(contact, str) or not (password or contact):
        problems.append(f"{where}: a password (the phone registers) or a contact (sip:…)")
        return None
    timing = {key: entry.get(key) for key in ("qualify_s", "rtp_timeout_s")}
    for key, value in timing.items():
        if value is not None and (type(value) is not int or not 0 <= value <= 3600):
            problems.append(f"{where}.{key}: whole seconds, 0 (off) to 3600")
            return None
    return Seat(entry["name"], password, contact, timing["qualify_s"], timing["rtp_timeout_s"])


CODE_KEYS = {f.name for f in dataclasses.fields(ResultCode)}


def classification(raw: Any, base: Path, problems: list[str]) -> Classification:
    """``[outcomes] table = "FILE"`` (TOML with ``[[codes]]``), or the built-in table."""
    if raw is None:
        return Classification()
    if not isinstance(raw, dict) or set(raw) - {"table"} or not isinstance(raw.get("table"), str):
        problems.append("[outcomes]: only table = \"path/to/classification.toml\"")
        return Classification()
    path = Path(raw["table"]) if Path(raw["table"]).is_absolute() else base / raw["table"]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"outcomes.table: cannot read {path}: {exc}")
        return Classification()
    codes = [c for i, e in enumerate(data.get("codes", []), 1) if (c := _code(e, i, problems))]
    table_problems = outcomes.validate(codes)
    problems.extend(f"outcomes.table: {p}" for p in table_problems)
    return Classification(tuple(codes)) if not table_problems else Classification()


def _code(entry: Any, index: int, problems: list[str]) -> ResultCode | None:
    where = f"outcomes.table codes[{index}]"
    if not isinstance(entry, dict) or not {"code", "label"} <= set(entry):
        problems.append(f"{where}: needs at least code and label")
        return None
    problems.extend(f"{where}.{k}: unknown key" for k in sorted(set(entry) - CODE_KEYS))
    try:
        values = {k: v for k, v in entry.items() if k in CODE_KEYS}
        values["mark"] = Mark(values.get("mark", ""))
        values["retry"] = Retry(values.get("retry", "never"))
        code = ResultCode(**values)
    except (TypeError, ValueError) as exc:
        problems.append(f"{where}: {exc}")
        return None
    return code


def classification_toml(table: Classification) -> str:
    """The table in the file format above (``dialer outcomes export``)."""
    lines = ["# 架電結果分類表 — the call-result classification. Edit, then set",
             "# [outcomes] table = \"this file\" in the service's configuration.", ""]
    for code in table.codes:
        lines.append("[[codes]]")
        for field in dataclasses.fields(ResultCode):
            value = getattr(code, field.name)
            shown = json.dumps(str(value) if isinstance(value, StrEnum) else value,
                               ensure_ascii=False)
            lines.append(f"{field.name} = {shown.lower() if isinstance(value, bool) else shown}")
        lines.append("")
    return "\n".join(lines)


# --- [reports] -----------------------------------------------------------------------------

DEFINITIONS_FILE = Path(report_definitions.__file__).with_name("definitions.toml")
REPORTS_KEYS = {"daily_at", "deadline_at", "definitions"}


@functools.cache
def default_definitions() -> Definitions:
    """The built-in report definitions (``dialer/domain/reports/definitions.toml``)."""
    data = tomllib.loads(DEFINITIONS_FILE.read_text(encoding="utf-8"))
    found, problems = report_definitions.parse(data)
    if found is None:
        raise ValueError(f"{DEFINITIONS_FILE}: {'; '.join(problems)}")
    return found


@dataclass(frozen=True)
class ReportsSettings:
    """``[reports]``: when the daily reports are generated (centre time, before the 09:30
    deadline), when they are watched for (missing then: an alert and a retry), and the file
    of report definitions ("" = the built-in ones), parsed once."""

    daily_at: str = DEFAULT_AT
    definitions: str = ""
    tables: Definitions = dataclasses.field(default_factory=default_definitions, hash=False,
                                            repr=False)
    deadline_at: str = DEFAULT_DEADLINE_AT

    @property
    def daily_time(self) -> time:
        return parse_daily_at(self.daily_at)

    @property
    def deadline_time(self) -> time:
        return parse_deadline_at(self.deadline_at, self.daily_time)


def reports(raw: Any, base: Path, problems: list[str]) -> ReportsSettings:
    """``[reports] daily_at = "08:00"``, ``definitions = "FILE"`` (sections replacing the
    built-in ones)."""
    if raw is None:
        return ReportsSettings()
    if not isinstance(raw, dict):
        problems.append("[reports]: must be a table")
        return ReportsSettings()
    problems.extend(f"reports.{k}: unknown key" for k in sorted(set(raw) - REPORTS_KEYS))
    daily_at, file = raw.get("daily_at", DEFAULT_AT), raw.get("definitions", "")
    if not isinstance(daily_at, str):
        problems.append(f"reports.daily_at: \"HH:MM\", got {daily_at!r}")
        daily_at = DEFAULT_AT
    try:
        parse_daily_at(daily_at)
    except ValueError as exc:
        problems.append(f"reports.daily_at: {exc}")
        daily_at = DEFAULT_AT
    deadline_at = _deadline_at(raw.get("deadline_at", DEFAULT_DEADLINE_AT), daily_at, problems)
    if not isinstance(file, str):
        problems.append("reports.definitions: a file name (\"\" for the built-in ones)")
        file = ""
    if not file:
        return ReportsSettings(daily_at, deadline_at=deadline_at)
    path = Path(file) if Path(file).is_absolute() else base / file
    return ReportsSettings(daily_at, str(path), _definitions(path, problems), deadline_at)


def _deadline_at(value: Any, daily_at: str, problems: list[str]) -> str:
    """``[reports] deadline_at``: after ``daily_at``, before 09:30 (the default when not)."""
    if not isinstance(value, str):
        problems.append(f"reports.deadline_at: \"HH:MM\", got {value!r}")
        return DEFAULT_DEADLINE_AT
    try:
        parse_deadline_at(value, parse_daily_at(daily_at))
    except ValueError as exc:
        problems.append(f"reports.deadline_at: {exc}")
        return DEFAULT_DEADLINE_AT
    return value


def _definitions(path: Path, problems: list[str]) -> Definitions:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"reports.definitions: cannot read {path}: {exc}")
        return default_definitions()
    found, found_problems = report_definitions.parse(data, default_definitions())
    problems.extend(f"reports.definitions: {p}" for p in found_problems)
    return found if found is not None else default_definitions()


# --- [planned_calls] -----------------------------------------------------------------------

PlannedCalls = dict[str, dict[str, int]]  # debt type -> list month (YYYY-MM) -> calls


def planned_calls(raw: Any, known: frozenset[str], problems: list[str]) -> PlannedCalls:
    """``[planned_calls]``: 想定架電件数 per debt type and list month, e.g.
    ``hoikuryo = { "2027-01" = 1200 }``; a month not given is shown as 未設定."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append("[planned_calls]: a table of debt_type = { \"YYYY-MM\" = calls }")
        return {}
    out: PlannedCalls = {}
    for debt_type, months in raw.items():
        where = f"planned_calls.{debt_type}"
        if debt_type not in known:
            problems.append(f"{where}: unknown debt type (see [debt_types])")
            continue
        if not isinstance(months, dict):
            problems.append(f"{where}: a table of \"YYYY-MM\" = calls")
            continue
        for month, count in months.items():
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                problems.append(f"{where}.{month}: the month must be YYYY-MM")
            elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
                problems.append(f"{where}.{month}: a whole number of calls (0 or more)")
            else:
                out.setdefault(debt_type, {})[month] = count
    return out
