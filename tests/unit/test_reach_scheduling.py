"""The reach policy's retry placement (dialer.domain.reach_scheduling): a table of what each
result does, then the slot and number a retry goes to; and the whole-period simulation that
measures it."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialer.cli import main
from dialer.domain import reach_scheduling as reach
from dialer.domain.calendar import Calendar, DayKind
from dialer.domain.outcomes import Classification, Retry
from dialer.domain.phone import PhoneKind
from dialer.domain.reach_scheduling import AnswerRates, Move, Policy, Situation, Slot, Tried
from dialer.domain.reach_sim import Setup, simulate
from dialer.domain.retry import Limits

TZ = ZoneInfo("Asia/Tokyo")
CAL = Calendar()  # weekday 11:30-13:30 and 16:30-20:30, weekend/holiday 10:00-16:00
TABLE = Classification()
TUESDAY_NOON = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
MIDDAY, EVENING = Slot(DayKind.WEEKDAY, 0), Slot(DayKind.WEEKDAY, 1)
WEEKEND = Slot(DayKind.WEEKEND_HOLIDAY, 0)
TWO = (PhoneKind.FIXED, PhoneKind.MOBILE)


def situation(code: str, now: datetime, tried: list[Tried], current: int,
              kinds: tuple[PhoneKind, ...] = TWO, elsewhere: tuple[date, ...] = ()) -> Situation:
    return Situation(TABLE.get(code), now, now.date(), tried, kinds, current,
                     elsewhere=elsewhere)


def test_every_retry_rule_has_a_move_and_the_defaults_read_as_meant() -> None:
    assert {(r, long) for r in Retry for long in (True, False)} == set(reach.MOVES)
    moves = {code: reach.move_of(TABLE.get(code)) for code in ("S01", "S02", "S04", "201",
                                                                "202", "S03", "106", "101")}
    assert moves == {"S01": Move.KEEP, "S02": Move.ROTATE, "S04": Move.KEEP,
                     "201": Move.ROTATE, "202": Move.ROTATE, "S03": Move.KEEP,
                     "106": Move.KEEP, "101": Move.KEEP}


def test_the_slots_come_from_the_calendar() -> None:
    assert reach.slots(CAL) == (MIDDAY, EVENING, WEEKEND)
    assert reach.slot_at(CAL, TUESDAY_NOON) == MIDDAY
    assert reach.slot_at(CAL, TUESDAY_NOON.replace(hour=17)) == EVENING
    assert reach.slot_at(CAL, TUESDAY_NOON.replace(hour=15)) is None
    assert reach.slot_at(CAL, datetime(2027, 1, 16, 11, 0, tzinfo=TZ)) == WEEKEND  # Saturday
    assert reach.next_start(CAL, WEEKEND, TUESDAY_NOON) == datetime(2027, 1, 16, 10, 0,
                                                                     tzinfo=TZ)


def test_no_answer_at_midday_is_retried_in_the_evening_on_the_next_number() -> None:
    tried = [Tried(TUESDAY_NOON.date(), 0, MIDDAY)]
    s = situation("S02", TUESDAY_NOON, tried, 0)
    got = reach.plan(Policy.REACH, CAL, Limits(), s)
    assert (got.done, got.due_at, got.phone_position) == (
        False, datetime(2027, 1, 12, 16, 30, tzinfo=TZ), 1)
    naive = reach.plan(Policy.NAIVE, CAL, Limits(), s)  # the fixed delay, same number
    assert (naive.due_at, naive.phone_position) == (TUESDAY_NOON + timedelta(hours=2), 0)


def test_after_midday_and_evening_the_weekend_is_tried_on_the_number_tried_least() -> None:
    friday_noon = datetime(2027, 1, 15, 12, 0, tzinfo=TZ)
    evening = friday_noon.replace(hour=17)
    tried = [Tried(friday_noon.date(), 0, MIDDAY), Tried(evening.date(), 1, EVENING)]
    got = reach.plan(Policy.REACH, CAL, Limits(), situation("S02", evening, tried, 1))
    assert (got.due_at, got.phone_position) == (datetime(2027, 1, 16, 10, 0, tzinfo=TZ), 0)
    # on a Tuesday the weekend is four days away: waiting that long weighs more than a second
    # try in this evening's window, two hours on
    tuesday = [Tried(TUESDAY_NOON.date(), 0, MIDDAY), Tried(TUESDAY_NOON.date(), 1, EVENING)]
    got = reach.plan(Policy.REACH, CAL, Limits(),
                     situation("S02", TUESDAY_NOON.replace(hour=17), tuesday, 1))
    assert got.due_at == datetime(2027, 1, 12, 19, 0, tzinfo=TZ)


def test_a_slot_after_the_calling_period_is_never_chosen() -> None:
    friday_noon = datetime(2027, 1, 15, 12, 0, tzinfo=TZ)
    evening = friday_noon.replace(hour=17)
    tried = [Tried(friday_noon.date(), 0, MIDDAY), Tried(evening.date(), 1, EVENING)]
    s = Situation(TABLE.get("S02"), evening, evening.date(), tried, TWO, 1,
                  period_end=friday_noon.date())
    got = reach.plan(Policy.REACH, CAL, Limits(), s)
    assert got.due_at == evening + timedelta(hours=2)  # nothing fits: the plain retry


def test_busy_stays_on_the_number_and_comes_back_soon() -> None:
    tried = [Tried(TUESDAY_NOON.date(), 0, MIDDAY)]
    got = reach.plan(Policy.REACH, CAL, Limits(), situation("S01", TUESDAY_NOON, tried, 0))
    assert (got.due_at, got.phone_position) == (TUESDAY_NOON + timedelta(minutes=15), 0)


def test_a_dead_number_goes_back_to_a_live_one_before_it() -> None:
    tried = [Tried(TUESDAY_NOON.date(), 0, MIDDAY),
             Tried(TUESDAY_NOON.date(), 1, MIDDAY, dead=True)]
    got = reach.plan(Policy.REACH, CAL, Limits(), situation("S03", TUESDAY_NOON, tried, 1))
    assert (got.done, got.phone_position) == (False, 0)
    # naive only ever moves forward: the last number dead ends the target
    assert reach.plan(Policy.NAIVE, CAL, Limits(), situation("S03", TUESDAY_NOON, tried, 1)).done
    all_dead = [Tried(TUESDAY_NOON.date(), 0, MIDDAY, dead=True), tried[1]]
    assert reach.plan(Policy.REACH, CAL, Limits(),
                      situation("S03", TUESDAY_NOON, all_dead, 1)).done


def test_calls_on_the_person_s_other_lists_count_for_the_limits() -> None:
    tried = [Tried(TUESDAY_NOON.date(), 0, MIDDAY)]
    today_twice = (TUESDAY_NOON.date(),) * 2
    held = reach.plan(Policy.REACH, CAL, Limits(per_day=3, total=10),
                      situation("S02", TUESDAY_NOON, tried, 0, elsewhere=today_twice))
    assert held.due_at is not None and held.due_at.date() == date(2027, 1, 13)  # tomorrow
    nine_before = tuple(date(2027, 1, d) for d in range(1, 10))
    assert reach.plan(Policy.REACH, CAL, Limits(per_day=3, total=10),
                      situation("S02", TUESDAY_NOON, tried, 0, elsewhere=nine_before)).done


def test_learned_answer_rates_choose_between_slots_tried_as_often() -> None:
    rates = AnswerRates()
    for _ in range(40):
        rates.add(WEEKEND, PhoneKind.MOBILE, answered=True)
        rates.add(EVENING, PhoneKind.MOBILE, answered=False)
    friday_noon = datetime(2027, 1, 15, 12, 0, tzinfo=TZ)
    tried = [Tried(friday_noon.date(), 0, MIDDAY)]
    s = situation("S02", friday_noon, tried, 0)
    assert reach.plan(Policy.REACH, CAL, Limits(), s).due_at == friday_noon.replace(
        hour=16, minute=30)  # nothing learned yet: this evening
    got = reach.plan(Policy.REACH, CAL, Limits(), s, rates)
    assert got.due_at == datetime(2027, 1, 16, 10, 0, tzinfo=TZ)  # tomorrow's weekend window
    assert rates.rate(WEEKEND, PhoneKind.MOBILE) > 0.9 > 0.1 > rates.rate(EVENING,
                                                                         PhoneKind.MOBILE)


def test_without_a_calendar_the_plan_is_naive() -> None:
    tried = [Tried(TUESDAY_NOON.date(), 0, MIDDAY)]
    got = reach.plan(Policy.REACH, None, Limits(), situation("S02", TUESDAY_NOON, tried, 0))
    assert (got.due_at, got.phone_position) == (TUESDAY_NOON + timedelta(hours=2), 0)


def test_priority_takes_the_least_called_then_the_longest_overdue() -> None:
    now = TUESDAY_NOON
    keys = sorted([reach.priority(2, now - timedelta(hours=3), now, 1),
                   reach.priority(1, None, now, 2),
                   reach.priority(1, now - timedelta(hours=1), now, 3),
                   reach.priority(0, None, now, 4)])
    assert [k[-1] for k in keys] == [4, 3, 2, 1]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_simulation_reaches_more_people_with_the_same_hours(seed: int) -> None:
    naive = simulate(Setup(400, 2, 12, seed, Policy.NAIVE), CAL)
    better = simulate(Setup(400, 2, 12, seed, Policy.REACH), CAL)
    assert naive.operator_hours == better.operator_hours
    assert better.persons_reached_share > naive.persons_reached_share
    assert better.calls_per_person_reached < naive.calls_per_person_reached
    assert simulate(Setup(400, 2, 12, seed, Policy.REACH), CAL) == better  # seeded


def test_a_bad_setup_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Setup(0, 1, 1)


def test_the_command_prints_the_figures_the_issue_names(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    args = ["simulate", "reach", "--targets", "200", "--operators", "2", "--days", "8",
            "--seed", "3", "--json"]
    assert main([*args, "--policy", "naive"]) == 0
    naive = json.loads(capsys.readouterr().out)
    assert {"persons_reached_share", "calls", "operator_hours", "calls_per_person_reached",
            "contact_rate_per_call"} <= set(naive)
    assert main([*args, "--policy", "reach"]) == 0
    better = json.loads(capsys.readouterr().out)
    assert better["operator_hours"] == naive["operator_hours"] == 2 * 8 * 6  # 6 h a day
    assert main(["simulate", "reach", "--targets", "0", "--operators", "1", "--days", "1"]) == 2
    assert main(["simulate", "--hours", "0.1"]) == 2  # the pacing run still wants --operators
