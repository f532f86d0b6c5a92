"""対象者接触率 (people on the list reached) and its projection: the pure rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dialer import config_tables
from dialer.domain.outcomes import Classification
from dialer.domain.reach import (
    PERSON_CONTACT_RATE_TARGET,
    Reach,
    ReachCount,
    calling_days,
    calls_and_contacts,
    contact_codes,
    planned,
    planned_cell,
    project,
    projection_total,
    reach_of,
    total,
)
from dialer.domain.supervision import ResultCount

TABLE = Classification()


def test_the_contact_codes_are_the_classifications_contact_marks() -> None:
    codes = contact_codes(TABLE)
    assert codes == {c.code for c in TABLE.codes if c.contact}
    assert "101" in codes and "106" in codes and not codes & {"S01", "S02", "201", "202"}


def test_the_share_leaves_excluded_targets_out_of_the_denominator() -> None:
    # 10 targets, 2 excluded, 6 reached (4 of them before the day): 6 / 8
    reach = reach_of(ReachCount(1, targets=10, excluded=2, contacted=6, contacted_before=4),
                     calls=30, contacts=7)
    assert (reach.listed, reach.open, reach.new_today) == (8, 2, 2)
    assert reach.person_contact_rate == pytest.approx(0.75) and not reach.below_target
    assert reach.call_contact_rate == pytest.approx(7 / 30)
    assert Reach(targets=10, excluded=0, contacted=7).person_contact_rate == 0.7
    assert not Reach(targets=10, contacted=7).below_target  # at the target is not below it
    assert Reach(targets=10, contacted=6).below_target
    assert not Reach(targets=3, excluded=3).below_target  # nobody listed: no rate
    assert PERSON_CONTACT_RATE_TARGET == 0.70


def test_sums_keep_planned_calls_unset_only_when_none_is_set() -> None:
    a, b = Reach(targets=4, contacted=1, planned_calls=None), Reach(targets=6, contacted=3)
    assert total([a, b]) == Reach(targets=10, contacted=4, planned_calls=None)
    assert (a + Reach(planned_calls=100)).planned_calls == 100
    assert planned_cell(None) == "未設定" and planned_cell(0) == 0
    assert planned({"hoikuryo": {"2027-01": 1200}}, "hoikuryo", "2027-01") == 1200
    assert planned({"hoikuryo": {"2027-01": 1200}}, "hoikuryo", "2027-02") is None


def test_calls_and_contacts_count_outbound_calls_only() -> None:
    rows = [ResultCount("h", "out", "101", 2), ResultCount("h", "out", "S02", 5),
            ResultCount("h", "in", "101", 3), ResultCount("h", "out", "OLD", 1)]
    assert calls_and_contacts(rows, TABLE) == (8, 2)


@pytest.mark.parametrize(("contacted", "listed", "done", "left", "projected"), [
    (20, 100, 4, 6, 50),  # 5 a day × 6 days
    (20, 100, 4, 40, 100),  # capped by the open targets
    (3, 100, 2, 3, 7),  # 1.5 a day × 3 = 4.5 -> 4
    (0, 100, 0, 10, 0),  # no calling day yet: no pace
    (20, 100, 4, 0, 20),  # the period is over
])
def test_the_projection_is_the_pace_times_the_days_left_capped(
        contacted: int, listed: int, done: int, left: int, projected: int) -> None:
    result = project(Reach(targets=listed, contacted=contacted), done, left)
    assert result.contacted == projected
    assert result.person_contact_rate == pytest.approx(projected / listed)


def test_projections_add_up() -> None:
    one = project(Reach(targets=10, contacted=5), 5, 5)
    two = project(Reach(targets=30, contacted=3), 3, 1)
    both = projection_total([one, two])
    assert both is not None and (both.contacted, both.listed) == (10 + 4, 40)
    assert projection_total([]) is None


def test_calling_days_are_counted_up_to_and_after_today() -> None:
    first = date(2027, 1, 4)
    days = [(first + timedelta(days=n), n % 7 != 6) for n in range(14)]  # every 7th closed
    assert calling_days(days, date(2027, 1, 10)) == (6, 6)
    assert calling_days(days, date(2026, 12, 31)) == (0, 12)


def test_planned_calls_are_read_and_checked() -> None:
    problems: list[str] = []
    known = frozenset({"hoikuryo", "kyushoku"})
    got = config_tables.planned_calls(
        {"hoikuryo": {"2027-01": 1200, "2027-02": 0}, "kyushoku": {"2027-1": 5},
         "nanika": {"2027-01": 1}}, known, problems)
    assert got == {"hoikuryo": {"2027-01": 1200, "2027-02": 0}}
    assert len(problems) == 2 and "YYYY-MM" in problems[0] and "unknown debt type" in problems[1]
    problems = []
    config_tables.planned_calls({"hoikuryo": {"2027-01": -1}}, known, problems)
    config_tables.planned_calls({"hoikuryo": {"2027-01": True}}, known, problems)
    config_tables.planned_calls({"hoikuryo": 5}, known, problems)
    assert len(problems) == 3
    assert config_tables.planned_calls(None, known, problems) == {}
