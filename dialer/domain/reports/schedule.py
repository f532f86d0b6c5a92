"""When the daily report is generated, and for which day (pure).

The city wants day D's reports by 09:30 on D+1 (§13(1)); the service generates them every day
at ``[reports] daily_at`` (centre time, default 08:00), for the day before. A time at or after
the deadline is refused when the configuration is read. From ``[reports] deadline_at`` (default
09:00, after ``daily_at`` and before 09:30) the day before's reports are watched: missing then,
the board warns and the run is retried (``watched_day``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEADLINE = time(9, 30)
DEFAULT_AT = "08:00"
DEFAULT_DEADLINE_AT = "09:00"
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_daily_at(text: str) -> time:
    """``"HH:MM"`` before the 09:30 deadline; ``ValueError`` says what is wrong."""
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not HH:MM")
    at = time(int(match[1]), int(match[2]))  # ValueError for 25:00 or 08:61
    if at >= DEADLINE:
        raise ValueError(f"{text} is not before the city's 09:30 deadline")
    return at


def parse_deadline_at(text: str, daily_at: time) -> time:
    """``"HH:MM"`` after ``daily_at`` and before the city's 09:30 deadline."""
    at = parse_daily_at(text)
    if at <= daily_at:
        raise ValueError(f"{text} is not after daily_at {daily_at:%H:%M}: the reports would "
                         "be watched before they are made")
    return at


def watched_day(now: datetime, deadline_at: time, tz: ZoneInfo) -> date | None:
    """The day whose daily reports must be in the outbox at ``now``: the day before, once the
    local clock has passed ``deadline_at``; None before that (they are not due yet)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    local = now.astimezone(tz)
    return report_day(now, tz) if local.time() >= deadline_at else None


def next_run(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first instant at or after ``now`` when the local clock reads ``at``."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    while candidate < local:
        candidate = datetime.combine(candidate.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate


def report_day(now: datetime, tz: ZoneInfo) -> date:
    """The day a run at ``now`` reports on: the day before, in the centre's zone."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return now.astimezone(tz).date() - timedelta(days=1)
