"""The `[calendar]` table and the `[[periods]]` entries -> the calendar's typed settings.

Every problem is collected (never raised one at a time) so a bad file is refused with all its
mistakes listed; the calendar's own rules are checked by ``dialer.domain.calendar.validate``.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from dialer.domain import calendar
from dialer.domain.calendar import CalendarSettings, DateRange, DayKind, Period, Window

_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
OPEN_DAY_KINDS = {"weekday": DayKind.WEEKDAY, "weekend_holiday": DayKind.WEEKEND_HOLIDAY}
CALENDAR_KEYS = {"weekday", "weekend_holiday", "closed_days", "open_days",
                 "dialplan_horizon_days"}
PERIOD_KEYS = {"debt_type", "month", "calling", "callback"}
DEFAULT_HORIZON_DAYS = 400


def calendar_settings(raw_calendar: Any, raw_periods: Any, timezone: str,
                      problems: list[str]) -> tuple[CalendarSettings, int]:
    table = raw_calendar if isinstance(raw_calendar, dict) else {}
    if raw_calendar is not None and not isinstance(raw_calendar, dict):
        problems.append("[calendar]: must be a table")
    problems.extend(f"calendar.{k}: unknown key" for k in sorted(set(table) - CALENDAR_KEYS))
    defaults = CalendarSettings()
    settings = CalendarSettings(
        weekday=_windows(table, "weekday", defaults.weekday, problems),
        weekend_holiday=_windows(table, "weekend_holiday", defaults.weekend_holiday, problems),
        closed_days=frozenset(_dates(table.get("closed_days", []), "calendar.closed_days",
                                     problems)),
        open_days=_open_days(table.get("open_days", {}), problems),
        periods=_periods(raw_periods, problems),
        timezone=timezone,
    )
    horizon = table.get("dialplan_horizon_days", DEFAULT_HORIZON_DAYS)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 1100:
        problems.append("calendar.dialplan_horizon_days: a whole number of days, 1-1100")
        horizon = DEFAULT_HORIZON_DAYS
    return settings, horizon


def _windows(table: dict[str, Any], key: str, default: tuple[Window, ...],
             problems: list[str]) -> tuple[Window, ...]:
    if key not in table:
        return default
    raw = table[key]
    if not isinstance(raw, list):
        problems.append(f"calendar.{key}: a list like [\"11:30-13:30\", \"16:30-20:30\"]")
        return default
    windows = [w for item in raw if (w := _window(item, key, problems))]
    return tuple(windows)


def _window(item: Any, key: str, problems: list[str]) -> Window | None:
    """"HH:MM-HH:MM", half-open; "24:00" as an end means the end of the day."""
    match = _WINDOW.match(item.strip()) if isinstance(item, str) else None
    try:
        if match is None:
            raise ValueError(item)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        end = time.max if (h2, m2) == (24, 0) else time(h2, m2)
        return Window(time(h1, m1), end)
    except ValueError:
        problems.append(f"calendar.{key}: {item!r} is not HH:MM-HH:MM")
        return None


def _dates(raw: Any, where: str, problems: list[str]) -> list[date]:
    if not isinstance(raw, list):
        problems.append(f"{where}: a list of dates")
        return []
    out = []
    for item in raw:
        parsed = _date(item)
        if parsed is None:
            problems.append(f"{where}: {item!r} is not a date (YYYY-MM-DD)")
        else:
            out.append(parsed)
    return out


def _date(item: Any) -> date | None:
    if isinstance(item, date):
        return item
    if isinstance(item, str):
        try:
            return date.fromisoformat(item.strip())
        except ValueError:
            return None
    return None


def _open_days(raw: Any, problems: list[str]) -> dict[date, DayKind]:
    if not isinstance(raw, dict):
        problems.append("calendar.open_days: a table of \"YYYY-MM-DD\" = \"weekday\" entries")
        return {}
    out = {}
    for key, kind in raw.items():
        day = _date(key)
        if day is None or kind not in OPEN_DAY_KINDS:
            problems.append(f"calendar.open_days: {key} = {kind!r} (want a date = "
                            "\"weekday\" or \"weekend_holiday\")")
            continue
        out[day] = OPEN_DAY_KINDS[kind]
    return out


def _periods(raw: Any, problems: list[str]) -> dict[str, tuple[Period, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        problems.append("[[periods]]: an array of tables")
        return {}
    grouped: dict[str, list[Period]] = {}
    for index, entry in enumerate(raw, start=1):
        parsed = _period(entry, f"periods[{index}]", problems)
        if parsed is not None:
            grouped.setdefault(parsed[0], []).append(parsed[1])
    return {code: tuple(periods) for code, periods in grouped.items()}


def _period(entry: Any, where: str, problems: list[str]) -> tuple[str, Period] | None:
    if not isinstance(entry, dict) or not PERIOD_KEYS <= set(entry):
        problems.append(f"{where}: needs debt_type, month, calling = [first, last], "
                        "callback = [first, last]")
        return None
    problems.extend(f"{where}.{k}: unknown key" for k in sorted(set(entry) - PERIOD_KEYS))
    ranges = [_range(entry[k], f"{where}.{k}", problems) for k in ("calling", "callback")]
    if ranges[0] is None or ranges[1] is None or not isinstance(entry["month"], str):
        return None
    return str(entry["debt_type"]), Period(entry["month"], ranges[0], ranges[1])


def _range(raw: Any, where: str, problems: list[str]) -> DateRange | None:
    days = _dates(raw, where, problems) if isinstance(raw, list) and len(raw) == 2 else None
    if days is None:
        problems.append(f"{where}: [first day, last day]")
        return None
    return DateRange(days[0], days[1]) if len(days) == 2 else None


def calendar_problems(settings: CalendarSettings, debt_codes: frozenset[str]) -> list[str]:
    """The calendar's own checks (the time zone is checked with [centre])."""
    problems = calendar.validate(settings, debt_codes)
    return [f"calendar: {p}" for p in problems if not p.startswith("timezone:")]


def as_dict(settings: CalendarSettings, horizon_days: int) -> dict[str, Any]:
    """The calendar as `dialer config show` prints it (the TOML's own shapes)."""
    return {
        "weekday": [str(w) for w in settings.weekday],
        "weekend_holiday": [str(w) for w in settings.weekend_holiday],
        "closed_days": sorted(d.isoformat() for d in settings.closed_days),
        "open_days": {d.isoformat(): str(k) for d, k in sorted(settings.open_days.items())},
        "dialplan_horizon_days": horizon_days,
        "periods": [
            {"debt_type": code, "month": p.month,
             "calling": [p.calling.first.isoformat(), p.calling.last.isoformat()],
             "callback": [p.callback.first.isoformat(), p.callback.last.isoformat()]}
            for code, periods in sorted(settings.periods.items()) for p in periods
        ],
    }
