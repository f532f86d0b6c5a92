"""The dialplan's calendar fallback agrees with the Python calendar, instant by instant.

A sandbox rendered with a calendar that has periods, a closed day, an open day and Japanese
holidays is asked, through Local/<instant>@calendar-probe (TESTTIME), how the callback line
answers at a few hundred instants; each answer must equal ``Calendar.callback_state``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from dialer import config
from dialer.adapters.ami import AmiLink, Originate
from dialer.config import Settings
from dialer.domain.calendar import NO_SUSPENSION, Calendar
from dialer.pbx import render, sandbox
from dialer.pbx.sandbox import SandboxState
from tests.support import ami_wire

TODAY = date(2026, 12, 1)
CALENDAR_TOML = """
[calendar]
weekday = ["11:30-13:30", "16:30-20:30"]
weekend_holiday = ["10:00-16:00"]
closed_days = ["2026-12-29", "2027-01-13"]
open_days = { "2027-01-16" = "weekday", "2027-03-22" = "weekday" }

[[periods]]
debt_type = "hoikuryo"
month = "2026-12"
calling = ["2026-12-07", "2026-12-25"]
callback = ["2026-12-07", "2027-01-08"]

[[periods]]
debt_type = "kyushoku"
month = "2027-01"
calling = ["2027-01-05", "2027-01-29"]
callback = ["2027-01-05", "2027-02-12"]

[[periods]]
debt_type = "hoikuryo"
month = "2027-03"
calling = ["2027-03-01", "2027-03-26"]
callback = ["2027-03-01", "2027-04-09"]

[[periods]]
debt_type = "jugyoryo"
month = "2027-05"
calling = ["2027-05-06", "2027-05-28"]
callback = ["2027-04-26", "2027-06-04"]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("calendar-site") / "dialer.toml"
    path.write_text(CALENDAR_TOML)
    return config.load(path)


@pytest.fixture(scope="module")
def calendar_sandbox(site: Settings, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[SandboxState]:
    directory = tmp_path_factory.mktemp("calendar-sandbox")
    state = sandbox.up(site, directory, today=TODAY)
    try:
        yield state
    finally:
        sandbox.down(directory)


@pytest.fixture(scope="module")
async def probe_ami(calendar_sandbox: SandboxState) -> AsyncIterator[AmiLink]:
    link = AmiLink(calendar_sandbox.ami())
    await link.connect()
    try:
        yield link
    finally:
        await link.close()


def instants(cal: Calendar) -> list[datetime]:
    """Edges that matter (window starts/ends, midnights, special days) plus seeded random ones."""
    tz = cal.tz
    days = [date(2026, 12, 7), date(2026, 12, 26), date(2026, 12, 29), date(2027, 1, 1),
            date(2027, 1, 8), date(2027, 1, 9), date(2027, 1, 11), date(2027, 1, 13),
            date(2027, 1, 16), date(2027, 2, 12), date(2027, 2, 13), date(2027, 3, 21),
            date(2027, 3, 22), date(2027, 4, 26), date(2027, 4, 29), date(2027, 5, 3),
            date(2027, 5, 6)]
    edges = [time(0, 0), time(9, 59, 59), time(10, 0), time(11, 29, 59), time(11, 30),
             time(13, 29, 59), time(13, 30), time(15, 59, 59), time(16, 0), time(16, 30),
             time(20, 29, 59), time(20, 30), time(23, 59, 59)]
    picked = [datetime.combine(d, t, tzinfo=tz) for d in days for t in edges]
    rng = random.Random(20261201)
    start = datetime.combine(TODAY, time(0), tzinfo=tz)
    picked += [start + timedelta(seconds=rng.randrange(200 * 86400)) for _ in range(150)]
    return picked


def probe_key(moment: datetime) -> str:
    """The probe's extension: the instant in UTC, as the sandbox's TESTTIME wants it."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


async def dialplan_states(ami: AmiLink, moments: list[datetime]) -> dict[str, str]:
    queue = ami_wire.tap(ami)
    wanted = {probe_key(m) for m in moments}
    found: dict[str, str] = {}
    try:
        for n, instant in enumerate(sorted(wanted)):
            ami.originate(Originate(f"Local/{instant}@calendar-probe", 5000, application="Wait",
                                    data="1"), f"probe-{n}-{instant}")
        while wanted - found.keys():
            raw = await asyncio.wait_for(queue.get(), 20)
            if raw.get("UserEvent") == "CalendarProbe":
                found[raw["Instant"]] = raw["State"]
    finally:
        ami_wire.untap(ami, queue)
    return found


async def test_dialplan_and_python_agree_on_the_callback_state(
    site: Settings, probe_ami: AmiLink
) -> None:
    cal = config.calendar(site)
    moments = instants(cal)
    assert len(moments) >= 300
    answers = await dialplan_states(probe_ami, moments)
    disagreements = []
    for moment in moments:
        expected = cal.callback_state(moment, None, suspension=NO_SUSPENSION).name
        got = answers[probe_key(moment)]
        if got != expected:
            disagreements.append(f"{moment.isoformat()}: dialplan {got}, python {expected}")
    assert not disagreements, "\n".join(disagreements[:20])
    assert {"OPEN", "OUT_OF_HOURS", "OUT_OF_PERIOD"} <= set(answers.values())


def test_rendered_include_lists_holidays_and_the_days_the_city_declared(
    calendar_sandbox: SandboxState,
) -> None:
    text = (Path(calendar_sandbox.host_inner) / "etc" / render.CALENDAR_FILE).read_text()
    assert "GotoIfTime(*,*,11,jan,Asia/Tokyo?weekend_holiday) ; 2027-01-11 成人の日" in text
    assert "GotoIfTime(*,*,13,jan,Asia/Tokyo?out_of_hours) ; 2027-01-13 closed by the city" in text
    assert "GotoIfTime(*,*,16,jan,Asia/Tokyo?weekday) ; 2027-01-16 opened by the city" in text
    assert "GotoIfTime(11:30-13:29,*,*,*,Asia/Tokyo?open)" in text
