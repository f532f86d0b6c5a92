"""The service's configuration: one TOML file -> frozen, typed settings, validated once.

Every `dialer` command reads the file given by ``--config PATH`` (or ``DIALER_CONFIG``) and falls
back to the built-in defaults below. Relative paths in a file are resolved against that file's
folder; with no file they are resolved against the working directory, so two folders are two
independent centres. An invalid file is refused with every problem listed at once.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialer import config_calendar, config_tables
from dialer.config_sections import (
    AgiSettings,
    AmiSettings,
    AsteriskSettings,
    AuditSettings,
    BackupSettings,
    CallingSettings,
    CentreSettings,
    DatabaseSettings,
    PathSettings,
    RecordingsSettings,
    TrunkSettings,
    WebSettings,
)
from dialer.config_tables import PlannedCalls, ReportsSettings, Seat
from dialer.domain import phone
from dialer.domain.calendar import Calendar, CalendarSettings
from dialer.domain.debt_types import DEFAULT_DEBT_TYPES, DebtType
from dialer.domain.outcomes import Classification

ENV_VAR = "DIALER_CONFIG"
SECRET_FIELDS = frozenset({"secret", "password"})


class ConfigError(Exception):
    """The configuration is unusable; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration ({source}):\n{lines}")


@dataclass(frozen=True)
class Settings:
    centre: CentreSettings = field(default_factory=CentreSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    ami: AmiSettings = field(default_factory=AmiSettings)
    agi: AgiSettings = field(default_factory=AgiSettings)
    web: WebSettings = field(default_factory=WebSettings)
    trunk: TrunkSettings = field(default_factory=TrunkSettings)
    asterisk: AsteriskSettings = field(default_factory=AsteriskSettings)
    recordings: RecordingsSettings = field(default_factory=RecordingsSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    calling: CallingSettings = field(default_factory=CallingSettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    debt_types: tuple[DebtType, ...] = DEFAULT_DEBT_TYPES
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    dialplan_horizon_days: int = config_calendar.DEFAULT_HORIZON_DAYS
    seats: tuple[Seat, ...] = ()
    classification: Classification = field(default_factory=Classification)
    reports: ReportsSettings = field(default_factory=ReportsSettings)
    planned_calls: PlannedCalls = field(default_factory=dict)  # 想定架電件数, [planned_calls]
    source: str = "built-in defaults"
    base_dir: Path = Path(".")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.centre.timezone)


_SETTINGS_HINTS = get_type_hints(Settings)
SECTIONS: dict[str, type] = {
    name: _SETTINGS_HINTS[name]
    for name in ("centre", "database", "paths", "ami", "agi", "web", "trunk", "asterisk",
                 "recordings", "backup", "calling", "audit")
}
TABLES_OF_THEIR_OWN = ("debt_types", "calendar", "periods", "seats", "outcomes", "reports",
                       "planned_calls")


def config_path(cli_value: str | None) -> Path | None:
    """The file to read: ``--config`` wins over ``DIALER_CONFIG``; None means built-in defaults."""
    value = cli_value or os.environ.get(ENV_VAR)
    return Path(value) if value else None


def load(path: Path | None) -> Settings:
    """Read and validate ``path`` (None: defaults resolved against the working directory)."""
    if path is None:
        return _build({}, "built-in defaults", Path.cwd())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return _build(raw, str(path), path.resolve().parent)


def _build(raw: dict[str, Any], source: str, base: Path) -> Settings:
    problems: list[str] = []
    sections: dict[str, Any] = {}
    known = (*SECTIONS, *TABLES_OF_THEIR_OWN)
    for key in raw:
        if key not in known:
            problems.append(f"[{key}]: unknown section (known: {', '.join(known)})")
    for name, cls in SECTIONS.items():
        table = raw.get(name, {})
        if not isinstance(table, dict):
            problems.append(f"[{name}]: must be a table")
            table = {}
        sections[name] = _section(name, cls, table, base, problems)
    debt_types = config_tables.debt_types(raw.get("debt_types"), problems)
    timezone = sections["centre"].timezone
    calendar, horizon = config_calendar.calendar_settings(
        raw.get("calendar"), raw.get("periods"), timezone, problems
    )
    settings = Settings(**sections, debt_types=debt_types, calendar=calendar,
                        dialplan_horizon_days=horizon,
                        seats=config_tables.seats(raw.get("seats"), problems),
                        classification=config_tables.classification(
                            raw.get("outcomes"), base, problems),
                        reports=config_tables.reports(raw.get("reports"), base, problems),
                        planned_calls=config_tables.planned_calls(
                            raw.get("planned_calls"), frozenset(d.code for d in debt_types),
                            problems),
                        source=source, base_dir=base)
    problems.extend(_cross_checks(settings))
    codes = frozenset(d.code for d in debt_types)
    problems.extend(config_calendar.calendar_problems(calendar, codes))
    if problems:
        raise ConfigError(source, problems)
    number = phone.normalize(settings.centre.dedicated_number)
    return dataclasses.replace(
        settings, centre=dataclasses.replace(settings.centre, dedicated_number=number)
    )


def _section(name: str, cls: type, table: dict[str, Any], base: Path, problems: list[str]) -> Any:
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in hints:
            problems.append(f"{name}.{key}: unknown key")
            continue
        converted = _convert(value, hints[key], f"{name}.{key}", problems)
        if converted is not None:
            values[key] = converted
    defaults = cls()
    for f in dataclasses.fields(cls):
        if hints[f.name] is Path:
            values[f.name] = _resolve(values.get(f.name, getattr(defaults, f.name)), base)
    return cls(**values)


def _convert(value: Any, hint: Any, where: str, problems: list[str]) -> Any:
    if get_origin(hint) in (Union, types.UnionType):
        hint = next(a for a in get_args(hint) if a is not type(None))
    if get_origin(hint) is tuple:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        hint = list  # the message below: "expected list"
    elif hint is Path:
        if isinstance(value, str) and value:
            return Path(value)
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif isinstance(value, hint) and not (hint is int and isinstance(value, bool)):
        return value
    problems.append(f"{where}: expected {getattr(hint, '__name__', hint)}, got {value!r}")
    return None


def _resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else (base / path)


def _cross_checks(s: Settings) -> list[str]:
    problems: list[str] = []
    if s.calling.policy not in ("naive", "reach"):
        problems.append(f"calling.policy: {s.calling.policy!r} is not naive or reach")
    if not 1 <= s.calling.per_day <= s.calling.total:
        problems.append("calling: per_day must be at least 1 and at most total")
    if not 0 <= s.calling.assigned_wait_min <= 120:
        problems.append("calling: assigned_wait_min must be between 0 and 120 minutes")
    for where, port in (
        ("ami.port", s.ami.port),
        ("agi.port", s.agi.port),
        ("web.port", s.web.port),
        ("trunk.port", s.trunk.port),
        ("trunk.sip_bind_port", s.trunk.sip_bind_port),
    ):
        if not 1 <= port <= 65535:
            problems.append(f"{where}: {port} is not a TCP/UDP port (1-65535)")
    try:
        ZoneInfo(s.centre.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"centre.timezone: unknown time zone {s.centre.timezone!r}")
    try:
        phone.normalize(s.centre.dedicated_number)
    except phone.PhoneError as exc:
        problems.append(f"centre.dedicated_number: {exc}")
    if not s.database.url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        problems.append("database.url: use sqlite+aiosqlite:///FILE or postgresql+asyncpg://...")
    if not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", s.database.instance):
        problems.append("database.instance: 1-64 letters, digits, '.', '_', ':' or '-'")
    if not 0 <= s.database.busy_timeout_ms <= 600_000:
        problems.append("database.busy_timeout_ms: between 0 and 600000 milliseconds")
    if s.trunk.transport not in ("udp", "tcp", "tls"):
        problems.append(f"trunk.transport: {s.trunk.transport!r} is not udp, tcp or tls")
    if not 5 <= s.asterisk.congestion_every_s <= 600:
        problems.append("asterisk.congestion_every_s: between 5 and 600 seconds")
    if not 0 <= s.asterisk.congestion_start_s <= 5:
        problems.append("asterisk.congestion_start_s: between 0 and 5 seconds")
    if s.trunk.max_lines < 1:
        problems.append("trunk.max_lines: must be at least 1")
    elif not 0 <= s.trunk.callback_reserve_min <= s.trunk.max_lines:
        problems.append("trunk.callback_reserve_min: between 0 and trunk.max_lines")
    if not 0.0 < s.trunk.callback_blocking < 0.5:
        problems.append("trunk.callback_blocking: a share above 0 and below 0.5 (e.g. 0.001)")
    if not 5 <= s.trunk.callback_window_min <= 1440:
        problems.append("trunk.callback_window_min: between 5 and 1440 minutes")
    if not 0.1 <= s.trunk.max_calls_per_s <= 1000:
        problems.append("trunk.max_calls_per_s: between 0.1 and 1000 calls a second")
    if s.ami.host not in ("127.0.0.1", "localhost", "::1"):
        problems.append("ami.host: the AMI must stay on localhost (bind it to 127.0.0.1)")
    if s.web.secure_cookies not in ("auto", "always"):
        problems.append("web.secure_cookies: \"auto\" or \"always\"")
    if not 30 <= s.web.idle_lock_s <= 3600:
        problems.append("web.idle_lock_s: between 30 and 3600 seconds")
    if s.web.login_max_failures < 1 or s.web.lockout_min < 1:
        problems.append("web.login_max_failures and web.lockout_min: at least 1")
    problems.extend(_web_problems(s))
    problems.extend(_agi_problems(s))
    problems.extend(_recordings_problems(s))
    problems.extend(_backup_problems(s))
    problems.extend(_audit_problems(s))
    return problems


def _recordings_problems(s: Settings) -> list[str]:
    problems = []
    days = s.recordings.retention_days
    if not (days == 0 or 1 <= days <= 3650):  # recordings_policy.retention's bounds
        problems.append("recordings.retention_days: 0 (kept until the city instructs) or "
                        "between 1 and 3650 days")
    key = s.recordings.key_file.resolve()
    for where, folder in (("paths.data_dir", s.paths.data_dir),
                          ("paths.recordings_dir", s.paths.recordings_dir),
                          ("paths.recordings_spool", s.paths.recordings_spool)):
        if key.is_relative_to(folder.resolve()):
            problems.append(f"recordings.key_file: keep the key outside {where} (a copy of the "
                            "data must not carry the key that opens its recordings)")
    if s.paths.recordings_spool.resolve() == s.paths.recordings_dir.resolve():
        problems.append("paths.recordings_spool: a folder of its own, not recordings_dir")
    return problems


def _web_problems(s: Settings) -> list[str]:
    problems = []
    origin = s.web.public_origin
    if origin and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
        problems.append("web.public_origin: scheme://host[:port] with no path, e.g. "
                        "\"https://dialer.city.example\"")
    for proxy in s.web.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            problems.append(f"web.trusted_proxies: {proxy!r} is not an address or a network")
    if any(not h or "/" in h for h in s.web.allowed_hosts):
        problems.append("web.allowed_hosts: host names only (no scheme, no path)")
    return problems


def _agi_problems(s: Settings) -> list[str]:
    problems = []
    for peer in s.agi.allowed_peers:
        try:
            ipaddress.ip_network(peer, strict=False)
        except ValueError:
            problems.append(f"agi.allowed_peers: {peer!r} is not an address or a network")
    return problems


PLACEHOLDER_SECRETS = frozenset({"", "change-me-dialer-ami", "change-me", "secret", "password"})
MIN_SECRET = 16


def production_problems(s: Settings) -> list[str]:
    """What must not go live (``dialer serve`` on the centre's own Asterisk refuses to start):
    placeholder or short secrets. The sandbox makes its own."""
    problems = []
    if s.ami.secret in PLACEHOLDER_SECRETS or len(s.ami.secret) < MIN_SECRET:
        problems.append(f"ami.secret: a placeholder or shorter than {MIN_SECRET} characters; "
                        "set a long random one here and in Asterisk's manager.conf "
                        "(`dialer asterisk render`)")
    if s.trunk.password and (s.trunk.password in PLACEHOLDER_SECRETS
                             or len(s.trunk.password) < 12):
        problems.append("trunk.password: a placeholder or shorter than 12 characters")
    for seat in s.seats:
        if seat.password and len(seat.password) < 12:
            problems.append(f"seats.{seat.name}.password: shorter than 12 characters")
    return problems


def _backup_problems(s: Settings) -> list[str]:
    problems = []
    if not 1 <= s.backup.keep <= 3650:
        problems.append("backup.keep: between 1 and 3650 backups")
    if s.backup.at and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", s.backup.at):
        problems.append("backup.at: HH:MM (24 h), or \"\" for no nightly backup")
    key = s.backup.key_file.resolve()
    for where, folder in (("paths.data_dir", s.paths.data_dir), ("backup.dir", s.backup.dir)):
        if key.is_relative_to(folder.resolve()):
            problems.append(f"backup.key_file: keep the key outside {where} (a copy of the data "
                            "must not carry its own key)")
    return problems


def _audit_problems(s: Settings) -> list[str]:
    key = s.audit.key_file.resolve()
    for where, folder in (("paths.data_dir", s.paths.data_dir), ("backup.dir", s.backup.dir)):
        if key.is_relative_to(folder.resolve()):
            return [f"audit.key_file: keep the key outside {where} (whoever can rewrite the "
                    "data must not also hold the key that proves it unchanged)"]
    return []


def database_file(s: Settings) -> Path | None:
    """The SQLite file behind ``database.url`` (resolved like every path), or None."""
    prefix = "sqlite+aiosqlite:///"
    if not s.database.url.startswith(prefix):
        return None
    return _resolve(Path(s.database.url.removeprefix(prefix)), s.base_dir)


def as_dict(s: Settings, *, mask_secrets: bool = True) -> dict[str, Any]:
    """The effective configuration as plain data (secrets masked unless asked otherwise)."""
    out: dict[str, Any] = {}
    for name in SECTIONS:
        section = dataclasses.asdict(getattr(s, name))
        for key, value in section.items():
            if isinstance(value, Path):
                section[key] = str(value)
            elif mask_secrets and key in SECRET_FIELDS and value:
                section[key] = "********"
        out[name] = section
    if mask_secrets:
        out["database"]["url"] = masked_url(s.database.url)
    out["debt_types"] = {d.code: {"name": d.name, "account_transfer": d.account_transfer}
                         for d in s.debt_types}
    out["calendar"] = config_calendar.as_dict(s.calendar, s.dialplan_horizon_days)
    out["seats"] = [{"name": seat.name, "contact": seat.contact,
                     "password": "********" if mask_secrets and seat.password else seat.password}
                    for seat in s.seats]
    out["reports"] = {"daily_at": s.reports.daily_at, "definitions": s.reports.definitions,
                      "deadline_at": s.reports.deadline_at}
    return out


def masked_url(url: str) -> str:
    """A database URL fit to print or log: its password replaced (``user:****@host``)."""
    return re.sub(r"^([a-z0-9+]+://[^:/@]*):[^@]*@", r"\1:********@", url)


def calendar(s: Settings) -> Calendar:
    """The validated calendar of these settings (loading already refused an invalid one)."""
    return Calendar(s.calendar, frozenset(d.code for d in s.debt_types))


def today(s: Settings) -> date:
    """Today's date at the centre (reads the clock: for the command line and the shell only)."""
    return datetime.now(s.tz).date()
