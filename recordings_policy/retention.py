"""How long a recording is kept (pure): until the city instructs its erasure (SPEC §14(7)).

Nothing is erased automatically unless the configuration opts in with ``retention_days`` above
0 (``NEVER``, the default): then a daily job also erases every recording that ended that many
days ago."""

from __future__ import annotations

from datetime import datetime, timedelta

NEVER = 0  # kept until the city instructs: no automatic erasure
DEFAULT_DAYS = NEVER
MIN_DAYS = 1
MAX_DAYS = 3650


def automatic(days: int) -> bool:
    """Whether ``retention_days`` opts in to automatic erasure (0 means never)."""
    return days != NEVER


def check_days(days: int) -> int:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"retention: between {MIN_DAYS} and {MAX_DAYS} days")
    return days


def expires(ended: datetime, days: int) -> datetime:
    """The instant a recording that ended at ``ended`` must be gone by."""
    if ended.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return ended + timedelta(days=check_days(days))


def is_due(ended: datetime | None, now: datetime, days: int) -> bool:
    """Whether a recording is past its retention limit (one still running never is)."""
    return ended is not None and expires(ended, days) <= now


def cutoff(now: datetime, days: int) -> datetime:
    """Recordings that ended at or before this instant are due."""
    return now - timedelta(days=check_days(days))
