"""The service clock, real or shifted to a chosen instant."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialer.services.runtime.clock import Clock, parse_at

TZ = ZoneInfo("Asia/Tokyo")


def test_a_shifted_clock_starts_at_the_chosen_instant_and_keeps_running() -> None:
    at = parse_at("2027-01-12 12:00", TZ)
    assert at == datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
    clock = Clock(TZ, at)
    first, second = clock(), clock()
    assert clock.shifted and abs((first - at).total_seconds()) < 1 and second >= first
    assert not Clock(TZ).shifted and abs((Clock(TZ)() - datetime.now(TZ)).total_seconds()) < 1
    assert parse_at("2027-01-12T03:00:00+00:00", TZ) == datetime(2027, 1, 12, 12, 0, tzinfo=TZ)


def test_processes_given_the_same_anchor_share_one_shifted_clock() -> None:
    at = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
    since = time.time() - 10.0  # the anchor: ten seconds ago the clock read ``at``
    first, later = Clock(TZ, at, since), Clock(TZ, at, since)
    assert abs((first() - at) - timedelta(seconds=10)) < timedelta(seconds=1)
    assert abs(first() - later()) < timedelta(milliseconds=5)
