"""The service's clock: the real one, or one shifted to a chosen instant (demo and test drivers
set `--at "2027-01-12 12:00"` so calling windows are open whatever the real hour)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """Aware 'now' in the centre's time zone, optionally shifted to start at ``at``."""

    def __init__(self, tz: ZoneInfo, at: datetime | None = None,
                 since: float | None = None) -> None:
        """``since`` (a Unix time): the real moment the clock reads ``at`` — processes given
        the same pair share one shifted clock; default: now."""
        self._tz = tz
        self._offset = timedelta(0)
        if at is not None:
            at = at if at.tzinfo else at.replace(tzinfo=tz)
            real = datetime.fromtimestamp(since, tz) if since is not None else datetime.now(tz)
            self._offset = at - real
        self._started = time.monotonic()

    @property
    def shifted(self) -> bool:
        return self._offset != timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(self._tz) + self._offset

    def move_to(self, at: datetime) -> None:
        """From now on the clock reads ``at`` and runs on from there (a test or a demo driver
        skipping to the evening window); the real clock is never moved in production."""
        self._offset = at - datetime.now(self._tz)


def parse_at(text: str, tz: ZoneInfo) -> datetime:
    """`--at` values: "YYYY-MM-DD HH:MM" (centre time) or ISO 8601 with an offset."""
    moment = datetime.fromisoformat(text.strip().replace("/", "-"))
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
