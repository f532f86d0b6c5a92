"""The calling calendar: windows, Japanese holidays, city-declared days, periods, suspension."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dialer.domain.calendar import (
    NO_SUSPENSION,
    Calendar,
    CalendarError,
    CalendarSettings,
    CallbackState,
    DateRange,
    DayKind,
    Period,
    Suspension,
    Window,
    holiday_name,
    validate,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NURSERY = "nursery_fee"
CLUB = "child_club_fee"
DEBT_TYPES = frozenset({NURSERY, CLUB, "high_school_tuition"})

CLOSED_DAY = date(2026, 6, 10)  # Wednesday, declared closed by the city
OPEN_SATURDAY = date(2026, 6, 13)  # Saturday, declared open with weekday windows
OPEN_THURSDAY = date(2026, 6, 11)  # Thursday, declared open with weekend/holiday windows


def span(first: str, last: str) -> DateRange:
    return DateRange(date.fromisoformat(first), date.fromisoformat(last))


PERIODS = {
    NURSERY: (
        Period("2026-06", calling=span("2026-06-01", "2026-06-19"),
               callback=span("2026-06-01", "2026-06-30")),
        Period("2026-09", calling=span("2026-09-01", "2026-09-30"),
               callback=span("2026-09-01", "2026-10-09")),
    ),
    CLUB: (
        Period("2026-06", calling=span("2026-06-15", "2026-06-30"),
               callback=span("2026-06-15", "2026-07-10")),
    ),
}


def make_calendar(**changes: object) -> Calendar:
    base: dict[str, object] = {
        "closed_days": frozenset({CLOSED_DAY}),
        "open_days": {OPEN_SATURDAY: DayKind.WEEKDAY, OPEN_THURSDAY: DayKind.WEEKEND_HOLIDAY},
        "periods": PERIODS,
    }
    base.update(changes)
    return Calendar(CalendarSettings(**base), DEBT_TYPES)  # type: ignore[arg-type]


CAL = make_calendar()


def jst(y: int, m: int, d: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=TOKYO)


# --- windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hh", "mm", "ss", "expected"),
    [
        (0, 0, 0, False),
        (11, 29, 59, False),
        (11, 30, 0, True),
        (13, 29, 59, True),
        (13, 30, 0, False),
        (16, 29, 59, False),
        (16, 30, 0, True),
        (20, 29, 59, True),
        (20, 30, 0, False),
        (23, 59, 59, False),
    ],
)
def test_weekday_window_boundaries(hh: int, mm: int, ss: int, expected: bool) -> None:
    at = jst(2026, 6, 2, hh, mm, ss)  # Tuesday
    assert CAL.day_kind(at.date()) is DayKind.WEEKDAY
    assert CAL.is_open(at) is expected
    assert CAL.may_dial(at, NURSERY, suspension=NO_SUSPENSION) is expected


@pytest.mark.parametrize("day", [date(2026, 6, 6), date(2026, 6, 7)])  # Saturday, Sunday
@pytest.mark.parametrize(
    ("hh", "mm", "ss", "expected"),
    [
        (9, 59, 59, False),
        (10, 0, 0, True),
        (13, 45, 0, True),  # between the two weekday windows
        (15, 59, 59, True),
        (16, 0, 0, False),
        (17, 0, 0, False),  # inside the weekday evening window
    ],
)
def test_weekend_window(day: date, hh: int, mm: int, ss: int, expected: bool) -> None:
    at = datetime.combine(day, time(hh, mm, ss), tzinfo=TOKYO)
    assert CAL.day_kind(day) is DayKind.WEEKEND_HOLIDAY
    assert CAL.is_open(at) is expected


@pytest.mark.parametrize(
    ("day", "name_part"),
    [
        (date(2027, 1, 11), "成人の日"),  # Monday
        (date(2026, 5, 6), "振替休日"),  # Wednesday, substitute for 憲法記念日 on Sunday
        (date(2027, 3, 22), "振替休日"),  # Monday, substitute for 春分の日 on Sunday
        (date(2026, 9, 22), "国民の休日"),  # Tuesday between 敬老の日 and 秋分の日
    ],
)
def test_weekday_holiday_uses_weekend_windows(day: date, name_part: str) -> None:
    assert day.weekday() < 5
    name = holiday_name(day)
    assert name is not None and name_part in name
    assert CAL.day_kind(day) is DayKind.WEEKEND_HOLIDAY
    assert CAL.is_open(datetime.combine(day, time(10, 0), tzinfo=TOKYO))
    assert not CAL.is_open(datetime.combine(day, time(17, 0), tzinfo=TOKYO))


def test_ordinary_weekday_is_no_holiday() -> None:
    assert holiday_name(date(2026, 5, 7)) is None
    assert CAL.day_kind(date(2026, 5, 7)) is DayKind.WEEKDAY


def test_extra_closed_day_has_no_window() -> None:
    assert CAL.day_kind(CLOSED_DAY) is DayKind.CLOSED
    assert CAL.windows_on(CLOSED_DAY) == ()
    at = datetime.combine(CLOSED_DAY, time(12, 0), tzinfo=TOKYO)
    assert not CAL.is_open(at)
    assert not CAL.may_dial(at, NURSERY, suspension=NO_SUSPENSION)
    assert CAL.window_end(at) is None
    assert CAL.callback_state(at, NURSERY, suspension=NO_SUSPENSION) is (
        CallbackState.OUT_OF_HOURS
    )


def test_extra_open_saturday_uses_weekday_windows() -> None:
    assert CAL.day_kind(OPEN_SATURDAY) is DayKind.WEEKDAY
    assert CAL.may_dial(jst(2026, 6, 13, 11, 30), NURSERY, suspension=NO_SUSPENSION)
    assert not CAL.is_open(jst(2026, 6, 13, 10, 0))


def test_extra_open_day_can_carry_weekend_windows() -> None:
    assert CAL.day_kind(OPEN_THURSDAY) is DayKind.WEEKEND_HOLIDAY
    assert CAL.is_open(jst(2026, 6, 11, 10, 0))
    assert not CAL.is_open(jst(2026, 6, 11, 17, 0))


def test_open_day_on_a_public_holiday_overrides_it() -> None:
    cal = make_calendar(open_days={date(2026, 9, 22): DayKind.WEEKDAY})
    assert cal.day_kind(date(2026, 9, 22)) is DayKind.WEEKDAY
    assert cal.is_open(jst(2026, 9, 22, 16, 30))
    assert not cal.is_open(jst(2026, 9, 22, 10, 0))


def test_city_can_change_windows() -> None:
    cal = make_calendar(weekday=(Window(time(9, 0), time(12, 0)),), weekend_holiday=())
    assert cal.is_open(jst(2026, 6, 2, 9, 0))
    assert not cal.is_open(jst(2026, 6, 2, 12, 0))
    assert not cal.is_open(jst(2026, 6, 2, 17, 0))
    assert not cal.is_open(jst(2026, 6, 6, 11, 0))


# --- timezones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 6, 2, 2, 29, 59, tzinfo=UTC), False),  # 11:29:59 JST
        (datetime(2026, 6, 2, 2, 30, tzinfo=UTC), True),  # 11:30 JST
        (datetime(2026, 6, 2, 4, 29, 59, tzinfo=UTC), True),  # 13:29:59 JST
        (datetime(2026, 6, 2, 4, 30, tzinfo=UTC), False),  # 13:30 JST
        (datetime(2026, 6, 2, 11, 30, tzinfo=UTC), False),  # 20:30 JST
        (datetime(2026, 6, 2, 12, 0, tzinfo=timezone(timedelta(hours=9))), True),
        # Friday 23:00 in Los Angeles is Saturday 15:00 in Tokyo.
        (datetime(2026, 6, 5, 23, 0, tzinfo=ZoneInfo("America/Los_Angeles")), True),
        # Saturday 07:00 UTC is Saturday 16:00 in Tokyo.
        (datetime(2026, 6, 6, 7, 0, tzinfo=UTC), False),
    ],
)
def test_input_in_other_timezone_is_evaluated_in_tokyo(at: datetime, expected: bool) -> None:
    assert CAL.is_open(at) is expected


def test_utc_input_window_end_is_in_tokyo() -> None:
    end = CAL.window_end(datetime(2026, 6, 5, 23, 0, tzinfo=ZoneInfo("America/Los_Angeles")))
    assert end == jst(2026, 6, 6, 16, 0)
    assert end is not None and end.tzinfo == TOKYO


def test_calendar_timezone_is_configurable() -> None:
    cal = make_calendar(timezone="Europe/London")
    assert cal.is_open(datetime(2026, 6, 2, 10, 30, tzinfo=UTC))  # 11:30 BST
    assert not cal.is_open(datetime(2026, 6, 2, 2, 30, tzinfo=UTC))  # 11:30 JST


def test_naive_datetime_is_refused() -> None:
    naive = datetime(2026, 6, 2, 12, 0)
    with pytest.raises(ValueError, match="naive"):
        CAL.may_dial(naive, NURSERY, suspension=NO_SUSPENSION)
    with pytest.raises(ValueError, match="naive"):
        CAL.callback_state(naive, None, suspension=NO_SUSPENSION)
    with pytest.raises(ValueError, match="naive"):
        CAL.window_end(naive)
    with pytest.raises(ValueError, match="naive"):
        CAL.next_window_open(naive)


# --- window_end / next_window_open -----------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(2026, 6, 2, 11, 30), jst(2026, 6, 2, 13, 30)),
        (jst(2026, 6, 2, 13, 29, 59), jst(2026, 6, 2, 13, 30)),
        (jst(2026, 6, 2, 13, 30), None),
        (jst(2026, 6, 2, 18, 0), jst(2026, 6, 2, 20, 30)),
        (jst(2026, 6, 2, 20, 30), None),
        (jst(2026, 6, 6, 10, 0), jst(2026, 6, 6, 16, 0)),
    ],
)
def test_window_end(at: datetime, expected: datetime | None) -> None:
    assert CAL.window_end(at) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (jst(2026, 6, 2, 11, 30), jst(2026, 6, 2, 11, 30)),  # opening now counts
        (jst(2026, 6, 2, 11, 30, 1), jst(2026, 6, 2, 16, 30)),
        (jst(2026, 6, 2, 13, 30), jst(2026, 6, 2, 16, 30)),
        (jst(2026, 6, 5, 20, 30), jst(2026, 6, 6, 10, 0)),  # Friday evening -> Saturday
        (jst(2026, 6, 9, 20, 30), jst(2026, 6, 11, 10, 0)),  # skips the closed Wednesday
        (datetime(2026, 6, 2, 1, 0, tzinfo=UTC), jst(2026, 6, 2, 11, 30)),
    ],
)
def test_next_window_open(at: datetime, expected: datetime) -> None:
    assert CAL.next_window_open(at) == expected


def test_next_window_open_across_weekend_without_weekend_calling() -> None:
    cal = make_calendar(weekend_holiday=())
    assert cal.next_window_open(jst(2026, 6, 5, 20, 30)) == jst(2026, 6, 8, 11, 30)


def test_next_window_open_across_gap_between_calling_periods() -> None:
    at = jst(2026, 6, 19, 20, 30)  # the June calling period's last evening
    assert CAL.next_window_open(at, NURSERY) == jst(2026, 9, 1, 11, 30)
    assert CAL.next_window_open(at, CLUB) == jst(2026, 6, 20, 10, 0)


def test_next_window_open_before_calling_period_starts() -> None:
    assert CAL.next_window_open(jst(2026, 6, 1, 8, 0), CLUB) == jst(2026, 6, 15, 11, 30)


def test_next_window_open_none_beyond_horizon_or_schedule() -> None:
    assert CAL.next_window_open(jst(2026, 10, 1, 8, 0), NURSERY) is None
    assert CAL.next_window_open(jst(2026, 6, 19, 20, 30), NURSERY, horizon_days=30) is None
    assert CAL.next_window_open(jst(2026, 6, 1, 8, 0), "high_school_tuition") is None


# --- calling / callback periods and suspension ------------------------------------------------


@pytest.mark.parametrize(
    ("at", "debt_type", "expected"),
    [
        (jst(2026, 6, 19, 12, 0), NURSERY, True),  # last calling day
        (jst(2026, 6, 22, 12, 0), NURSERY, False),  # calling period over
        (jst(2026, 6, 12, 12, 0), CLUB, False),  # not started yet
        (jst(2026, 6, 15, 12, 0), CLUB, True),
        (jst(2026, 6, 15, 14, 0), CLUB, False),  # in period, out of hours
        (jst(2026, 6, 15, 12, 0), "high_school_tuition", False),  # no period scheduled
        (jst(2026, 6, 15, 12, 0), "unknown", False),
    ],
)
def test_may_dial_needs_window_and_calling_period(
    at: datetime, debt_type: str, expected: bool
) -> None:
    assert CAL.may_dial(at, debt_type, suspension=NO_SUSPENSION) is expected


def test_suspension_of_all_calling() -> None:
    at = jst(2026, 6, 15, 12, 0)
    stop = Suspension(all_calling=True)
    assert not CAL.may_dial(at, NURSERY, suspension=stop)
    assert not CAL.may_dial(at, CLUB, suspension=stop)
    assert CAL.callback_state(at, NURSERY, suspension=stop) is CallbackState.OPEN


def test_suspension_of_one_debt_type() -> None:
    at = jst(2026, 6, 15, 12, 0)
    stop = Suspension(debt_types=frozenset({NURSERY}))
    assert not CAL.may_dial(at, NURSERY, suspension=stop)
    assert CAL.may_dial(at, CLUB, suspension=stop)


@pytest.mark.parametrize(
    ("at", "debt_type", "expected"),
    [
        (jst(2026, 6, 25, 12, 0), NURSERY, CallbackState.OPEN),  # calling over, callbacks not
        (jst(2026, 6, 25, 14, 0), NURSERY, CallbackState.OUT_OF_HOURS),
        (jst(2026, 6, 30, 20, 29, 59), NURSERY, CallbackState.OPEN),  # last callback minute
        (jst(2026, 7, 3, 12, 0), NURSERY, CallbackState.OUT_OF_PERIOD),
        (jst(2026, 7, 3, 12, 0), CLUB, CallbackState.OPEN),
        (jst(2026, 7, 3, 12, 0), None, CallbackState.OPEN),  # some debt type still in period
        (jst(2026, 7, 3, 14, 0), None, CallbackState.OUT_OF_HOURS),
        (jst(2026, 8, 3, 12, 0), None, CallbackState.OUT_OF_PERIOD),
        (jst(2026, 8, 3, 3, 0), None, CallbackState.OUT_OF_PERIOD),  # beats out-of-hours
        (jst(2026, 6, 12, 12, 0), CLUB, CallbackState.OUT_OF_PERIOD),  # before its period
    ],
)
def test_callback_state(at: datetime, debt_type: str | None, expected: CallbackState) -> None:
    assert CAL.callback_state(at, debt_type, suspension=NO_SUSPENSION) is expected


def test_callback_open_while_calling_is_not_allowed() -> None:
    at = jst(2026, 6, 25, 12, 0)
    assert not CAL.may_dial(at, NURSERY, suspension=NO_SUSPENSION)
    assert CAL.callback_state(at, NURSERY, suspension=NO_SUSPENSION) is CallbackState.OPEN


@pytest.mark.parametrize(
    "at", [jst(2026, 6, 25, 12, 0), jst(2026, 6, 25, 14, 0), jst(2026, 8, 3, 3, 0)]
)
def test_callback_suspension_wins(at: datetime) -> None:
    stop = Suspension(callbacks=True)
    assert CAL.callback_state(at, None, suspension=stop) is CallbackState.SUSPENDED
    assert CAL.callback_state(at, NURSERY, suspension=stop) is CallbackState.SUSPENDED


# --- days -------------------------------------------------------------------------------------


def test_days_over_silver_week() -> None:
    days = CAL.days(date(2026, 9, 19), date(2026, 9, 24), NURSERY)
    assert [d.day for d in days] == [date(2026, 9, n) for n in range(19, 25)]
    assert [d.kind for d in days] == [DayKind.WEEKEND_HOLIDAY] * 5 + [DayKind.WEEKDAY]
    assert [d.holiday_name for d in days] == [
        None, None, "敬老の日", "国民の休日", "秋分の日", None,
    ]
    assert days[0].windows == (Window(time(10, 0), time(16, 0)),)
    assert days[5].windows == (
        Window(time(11, 30), time(13, 30)), Window(time(16, 30), time(20, 30)),
    )
    assert all(d.in_calling_period and d.in_callback_period for d in days)


def test_days_periods_and_closed_day() -> None:
    by_day = {d.day: d for d in CAL.days(date(2026, 6, 10), date(2026, 7, 11), CLUB)}
    assert by_day[CLOSED_DAY].kind is DayKind.CLOSED and by_day[CLOSED_DAY].windows == ()
    assert not by_day[date(2026, 6, 14)].in_calling_period
    assert by_day[date(2026, 6, 15)].in_calling_period
    assert not by_day[date(2026, 7, 1)].in_calling_period
    assert by_day[date(2026, 7, 10)].in_callback_period
    assert not by_day[date(2026, 7, 11)].in_callback_period


def test_days_without_debt_type_means_any() -> None:
    (june_22,) = CAL.days(date(2026, 6, 22), date(2026, 6, 22), None)
    assert june_22.in_calling_period  # CLUB calls, NURSERY's calling period is over
    (july_3,) = CAL.days(date(2026, 7, 3), date(2026, 7, 3), None)
    assert not july_3.in_calling_period and july_3.in_callback_period


def test_days_refuses_inverted_range() -> None:
    with pytest.raises(ValueError, match="before"):
        CAL.days(date(2026, 6, 2), date(2026, 6, 1), None)


# --- validation -------------------------------------------------------------------------------


def test_defaults_are_the_specification() -> None:
    settings = CalendarSettings()
    assert validate(settings, DEBT_TYPES) == []
    assert settings.timezone == "Asia/Tokyo"
    assert settings.weekday == (
        Window(time(11, 30), time(13, 30)), Window(time(16, 30), time(20, 30)),
    )
    assert settings.weekend_holiday == (Window(time(10, 0), time(16, 0)),)
    assert validate(CAL.settings, DEBT_TYPES) == []


def bad_settings() -> CalendarSettings:
    return CalendarSettings(
        weekday=(
            Window(time(11, 30), time(13, 30)),
            Window(time(13, 0), time(14, 0)),  # overlaps the first
            Window(time(14, 0), time(15, 0)),  # touches the second
        ),
        weekend_holiday=(Window(time(16, 0), time(10, 0)), Window(time(9, 0), time(9, 0))),
        closed_days=frozenset({date(2026, 6, 10)}),
        open_days={date(2026, 6, 10): DayKind.WEEKDAY, date(2026, 6, 13): DayKind.CLOSED},
        periods={
            "mystery": (Period("2026-06", span("2026-06-01", "2026-06-19"),
                               span("2026-06-01", "2026-06-30")),),
            NURSERY: (
                Period("2026-06", span("2026-06-01", "2026-06-19"),
                       span("2026-06-01", "2026-06-18")),  # callback ends first
                Period("2026-07", span("2026-07-01", "2026-07-17"),
                       span("2026-07-02", "2026-07-31")),  # callback starts later
                Period("2026-7", span("2026-07-10", "2026-07-05"),
                       span("2026-07-10", "2026-07-31")),  # bad month, inverted, overlap
                Period("2026-08", span("2026-09-01", "2026-09-10"),
                       span("2026-09-01", "2026-09-30")),  # starts outside its month
                Period("2026-08", span("2026-08-20", "2026-08-25"),
                       span("2026-08-20", "2026-08-31")),  # month given twice
            ),
        },
        timezone="Asia/Nowhere",
    )


EXPECTED_PROBLEMS = [
    "timezone",
    "weekday windows 11:30-13:30 and 13:00-14:00 overlap",
    "weekday windows 13:00-14:00 and 14:00-15:00 overlap or touch",
    "weekend_holiday window 16:00-10:00: end is not after start",
    "weekend_holiday window 09:00-09:00: end is not after start",
    "2026-06-10 is both a closed day and an open day",
    "open day 2026-06-13: kind must be",
    "unknown debt type 'mystery'",
    "callback period 2026-06-01..2026-06-18 ends before calling period",
    "callback period 2026-07-02..2026-07-31 starts after calling period",
    "calling period 2026-07-10..2026-07-05 ends before it starts",
    "month must be written YYYY-MM",
    "calling period 2026-09-01..2026-09-10 does not start in 2026-08",
    "month 2026-08 given twice",
    "calling periods 2026-07 and 2026-7 overlap",
]


def test_validate_reports_every_problem_at_once() -> None:
    problems = validate(bad_settings(), DEBT_TYPES)
    for expected in EXPECTED_PROBLEMS:
        assert sum(expected in p for p in problems) == 1, (expected, problems)
    assert len(problems) == len(EXPECTED_PROBLEMS), problems


def test_validate_without_known_debt_types_accepts_any() -> None:
    problems = validate(bad_settings(), None)
    assert not any("unknown debt type" in p for p in problems)
    assert len(problems) == len(EXPECTED_PROBLEMS) - 1


def test_calendar_refuses_bad_settings_with_all_problems() -> None:
    with pytest.raises(CalendarError) as caught:
        Calendar(bad_settings(), DEBT_TYPES)
    assert caught.value.problems == validate(bad_settings(), DEBT_TYPES)
    assert "Asia/Nowhere" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_callback_may_start_before_and_end_after_calling() -> None:
    settings = CalendarSettings(periods={NURSERY: (
        Period("2026-06", span("2026-06-05", "2026-06-19"), span("2026-06-01", "2026-07-10")),
    )})
    assert validate(settings, DEBT_TYPES) == []
