"""Properties of the calendar over arbitrary instants and configurations (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.domain.calendar import (
    NO_SUSPENSION,
    Calendar,
    CalendarSettings,
    CallbackState,
    DateRange,
    Period,
    Suspension,
    Window,
)
from dialer.pbx.calendar_dialplan import gotoiftime_range, merged

TOKYO = ZoneInfo("Asia/Tokyo")
PERIODS = {
    "hoikuryo": (Period("2027-01", DateRange(date(2027, 1, 12), date(2027, 1, 29)),
                        DateRange(date(2027, 1, 12), date(2027, 2, 5))),),
    "kyushoku": (Period("2027-02", DateRange(date(2027, 2, 1), date(2027, 2, 26)),
                        DateRange(date(2027, 1, 25), date(2027, 3, 5))),),
}
CAL = Calendar(CalendarSettings(periods=PERIODS, closed_days=frozenset({date(2027, 2, 3)})))

instants = st.datetimes(
    min_value=datetime(2026, 12, 1), max_value=datetime(2027, 4, 1),
    timezones=st.sampled_from([UTC, TOKYO, ZoneInfo("America/Los_Angeles")]),
)
debt_types = st.sampled_from(["hoikuryo", "kyushoku", "unknown"])


@given(instants, debt_types)
def test_a_call_may_start_only_inside_a_window_and_the_calling_period(
    at: datetime, debt_type: str
) -> None:
    if CAL.may_dial(at, debt_type, suspension=NO_SUSPENSION):
        local = at.astimezone(TOKYO)
        assert CAL.window_at(at) is not None
        assert CAL.in_calling_period(local.date(), debt_type)
        end = CAL.window_end(at)
        assert end is not None and at < end <= at + timedelta(hours=6)


@given(instants, debt_types)
def test_suspension_always_wins(at: datetime, debt_type: str) -> None:
    assert not CAL.may_dial(at, debt_type, suspension=Suspension(all_calling=True))
    assert not CAL.may_dial(at, debt_type, suspension=Suspension(debt_types=frozenset({debt_type})))
    assert CAL.callback_state(at, None, suspension=Suspension(callbacks=True)) is (
        CallbackState.SUSPENDED)


@given(instants)
def test_callback_open_exactly_when_in_a_window_and_a_callback_period(at: datetime) -> None:
    state = CAL.callback_state(at, None, suspension=NO_SUSPENSION)
    in_period = CAL.in_callback_period(at.astimezone(TOKYO).date(), None)
    assert (state is CallbackState.OPEN) == (in_period and CAL.is_open(at))
    assert (state is CallbackState.OUT_OF_PERIOD) == (not in_period)


@given(instants, debt_types)
def test_next_opening_is_open_and_nothing_opens_before_it(at: datetime, debt_type: str) -> None:
    nxt = CAL.next_window_open(at, debt_type, horizon_days=120)
    if debt_type == "unknown":
        assert nxt is None
        return
    if nxt is None:
        return
    assert nxt >= at
    assert CAL.is_open(nxt) and CAL.in_calling_period(nxt.date(), debt_type)
    if nxt > at:  # one second before the opening it is closed (or not in period)
        assert not CAL.may_dial(nxt - timedelta(seconds=1), debt_type, suspension=NO_SUSPENSION)


@given(instants)
def test_the_answer_does_not_depend_on_the_input_time_zone(at: datetime) -> None:
    same = at.astimezone(UTC)
    for debt_type in ("hoikuryo", "kyushoku"):
        assert CAL.may_dial(at, debt_type, suspension=NO_SUSPENSION) == CAL.may_dial(
            same, debt_type, suspension=NO_SUSPENSION)


@settings(max_examples=300)
@given(st.integers(0, 23 * 60 + 58), st.integers(1, 120))
def test_dialplan_ranges_cover_exactly_the_half_open_window(start_min: int, length: int) -> None:
    end_min = min(start_min + length, 24 * 60 - 1)
    window = Window(time(start_min // 60, start_min % 60), time(end_min // 60, end_min % 60))
    first, last = gotoiftime_range(window).split("-")
    last_h, last_m = (int(x) for x in last.split(":"))
    assert first == f"{start_min // 60:02d}:{start_min % 60:02d}"
    assert last_h * 60 + last_m == end_min - 1  # inclusive end minute: one before the end


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)), max_size=8))
def test_merged_ranges_cover_the_same_days(spans: list[tuple[int, int]]) -> None:
    base = date(2027, 1, 1)
    ranges = [DateRange(base + timedelta(a), base + timedelta(a + n)) for a, n in spans]
    out = merged(ranges)
    days = {r.first + timedelta(i) for r in ranges for i in range((r.last - r.first).days + 1)}
    out_days = {r.first + timedelta(i) for r in out for i in range((r.last - r.first).days + 1)}
    assert days == out_days
    assert all(a.last + timedelta(1) < b.first for a, b in pairwise(out))
