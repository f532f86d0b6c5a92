"""The demo's own calendar period, clock start and fictitious residents."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer import config
from dialer.domain.calendar import NO_SUSPENSION
from dialer.services.demo import demo_instant, with_demo_period
from dialer.services.demo_seed import write_demo_file

TZ = ZoneInfo("Asia/Tokyo")


def test_the_demo_clock_starts_inside_a_window_of_its_period() -> None:
    settings = config.load(None)
    night = datetime(2027, 1, 12, 3, 0, tzinfo=TZ)
    start = demo_instant(settings, night)
    assert start == datetime(2027, 1, 12, 11, 31, tzinfo=TZ)
    cal = config.calendar(with_demo_period(settings, start.date()))
    assert cal.may_dial(start, "hoikuryo", suspension=NO_SUSPENSION)
    noon = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
    assert demo_instant(settings, noon) == noon


def test_fictitious_residents_are_cp932_and_cover_every_behaviour(tmp_path: Path) -> None:
    path = write_demo_file(tmp_path / "demo.csv", count=60)
    rows = list(csv.reader(path.read_bytes().decode("cp932").splitlines()))
    assert rows[0][0] == "管理番号" and len(rows) == 61
    assert {r[4][-1] for r in rows[1:]} >= set("012345")
