"""When to call a target again, and on which of its numbers (issue: retry rules).

After each attempt the target's next due time and phone are decided here from the result's
retry rule (classification table) and the limits: attempts per day and in total. A dead number
moves to the target's next number; a target is finished when its result says so, when its
numbers are exhausted, or when the total limit is reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dialer.domain.outcomes import ResultCode, Retry


@dataclass(frozen=True)
class Limits:
    per_day: int = 3
    total: int = 10


@dataclass(frozen=True)
class Plan:
    """What happens to the target next."""

    done: bool
    due_at: datetime | None = None  # None with done=False: due now
    phone_position: int = 0  # index into the target's ordered numbers


@dataclass(frozen=True)
class PastAttempt:
    day: date  # the centre's local date of the attempt
    phone_position: int


def after(result: ResultCode, now: datetime, today: date, history: Sequence[PastAttempt],
          phone_count: int, current_phone: int, limits: Limits = Limits(),
          appointment: datetime | None = None) -> Plan:
    """The plan after an attempt that ended with ``result`` (``history`` includes it)."""
    if result.ends_target or len(history) >= limits.total:
        return Plan(done=True, phone_position=current_phone)
    phone = current_phone
    if result.retry is Retry.NEXT_PHONE:
        phone = current_phone + 1
        if phone >= phone_count:
            return Plan(done=True, phone_position=current_phone)
    elif result.retry is Retry.NEVER:
        return Plan(done=True, phone_position=current_phone)
    return Plan(done=False, due_at=held(_due(result, now, appointment), now, today, history,
                                        limits), phone_position=phone)


def held(due: datetime | None, now: datetime, today: date, history: Sequence[PastAttempt],
         limits: Limits) -> datetime | None:
    """``due``, moved to the next morning when today's calls reached the per-day limit."""
    if sum(1 for a in history if a.day == today) >= limits.per_day:
        return max(due or now, _next_morning(now))
    return due


def _due(result: ResultCode, now: datetime, appointment: datetime | None) -> datetime | None:
    if result.retry is Retry.APPOINTMENT:
        return appointment or now + timedelta(days=1)
    if result.retry is Retry.LATER:
        return now + timedelta(minutes=result.retry_after_min)
    return None


def _next_morning(now: datetime) -> datetime:
    """Midnight starting the next day, in ``now``'s zone (the calendar opens the window)."""
    tomorrow = (now + timedelta(days=1)).date()
    return datetime.combine(tomorrow, datetime.min.time(), tzinfo=now.tzinfo)
