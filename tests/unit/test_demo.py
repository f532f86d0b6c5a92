"""The demo's own calendar period, clock start and fictitious residents."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dialer import config
from dialer.adapters.agi import AgiRequest
from dialer.demo.centre import EveningCallers, demo_instant, with_demo_period
from dialer.demo.seed import write_demo_file
from dialer.domain.calendar import NO_SUSPENSION
from dialer.services.callbacks.gate import CallbackGate
from tests.support.agi_channel import RecordingChannel

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


async def test_evening_callers_hear_the_out_of_hours_message_while_the_centre_is_open() -> None:
    settings = with_demo_period(config.load(None), datetime(2027, 1, 12).date())
    cal = config.calendar(settings)
    noon = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
    evening = EveningCallers(lambda: noon, lambda: cal)
    evening.numbers.add("0115550003")
    assert evening("011-555-0001") == noon
    late = evening("011-555-0003")
    assert late.date() == noon.date() and late > noon and not cal.is_open(late)

    decisions: list[tuple[str, str, int]] = []
    gate = CallbackGate(lambda: cal, lambda: NO_SUSPENSION, lambda: noon,
                        lambda c, s, n: decisions.append((c, s, n)))
    gate.clock_for = evening
    for call, caller in (("c1", "0115550001"), ("c2", "0115550003")):
        await gate(AgiRequest(caller, (), RecordingChannel(), uniqueid=call))
    assert decisions == [("c1", "OPEN", 0), ("c2", "OUT_OF_HOURS", 0)]
    assert gate.state() is gate.state(noon)  # the centre itself stays open
