"""The call list's orders and the assignment strategies (pure)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.domain import calllist
from dialer.domain.calllist import (
    AssignmentProblem,
    Operator,
    PhoneOrder,
    TargetFacts,
    TargetOrder,
)

T = [
    TargetFacts(1, 2, total_amount=5000, earliest_due=date(2023, 5, 31), attempts=2),
    TargetFacts(2, 3, total_amount=90000, earliest_due=None, attempts=0),
    TargetFacts(3, 4, total_amount=None, earliest_due=date(2023, 4, 30), attempts=1),
    TargetFacts(4, 5, total_amount=90000, earliest_due=date(2023, 4, 30), attempts=0,
                excluded=True),
    TargetFacts(5, 6, total_amount=100, earliest_due=date(2023, 4, 30), attempts=0),
]


@pytest.mark.parametrize(("by", "ids"), [
    (TargetOrder.DUE, [3, 5, 1, 2]), (TargetOrder.AMOUNT, [2, 1, 5, 3]),
    (TargetOrder.ATTEMPTS, [5, 2, 3, 1]), (TargetOrder.FILE, [1, 2, 3, 5]),
])
def test_target_orders_leave_excluded_targets_out(by: TargetOrder, ids: list[int]) -> None:
    assert [t.id for t in calllist.order_targets(T, by)] == ids


def test_phone_orders() -> None:
    numbers = ["0112223333", "09012345678", "05011112222", "08033334444"]
    assert calllist.order_phones(numbers, PhoneOrder.FILE) == tuple(numbers)
    assert calllist.order_phones(numbers, PhoneOrder.MOBILE_FIRST) == (
        "09012345678", "08033334444", "0112223333", "05011112222")
    assert calllist.order_phones(numbers, PhoneOrder.FIXED_FIRST)[0] == "0112223333"


def test_round_robin_deals_in_order_over_active_operators() -> None:
    ops = [Operator(10), Operator(11, active=False), Operator(12)]
    assert calllist.round_robin(calllist.order_targets(T, TargetOrder.FILE), ops) == [
        (1, 10), (2, 12), (3, 10), (5, 12)]
    with pytest.raises(AssignmentProblem, match="no active operator"):
        calllist.round_robin(T, [Operator(11, active=False)])


def test_by_skill_goes_to_the_least_loaded_trained_operator() -> None:
    ops = [Operator(10, frozenset({"hoikuryo"}), load=3), Operator(11, frozenset({"rojin"})),
           Operator(12, frozenset({"hoikuryo", "rojin"}), load=1)]
    pairs = calllist.by_skill(T, ops, "hoikuryo")
    assert [o for _, o in pairs] == [12, 12, 10, 12]  # ties go to the lower id
    with pytest.raises(AssignmentProblem, match="skilled for debt type yakan"):
        calllist.by_skill(T, ops, "yakan")


def test_explicit_refuses_excluded_targets_and_inactive_operators() -> None:
    assert calllist.explicit(T[:2], Operator(10)) == [(1, 10), (2, 10)]
    with pytest.raises(AssignmentProblem, match="1 of these targets are excluded"):
        calllist.explicit(T[3:], Operator(10))
    with pytest.raises(AssignmentProblem, match="not active"):
        calllist.explicit(T[:1], Operator(10, active=False))


targets_st = st.lists(st.builds(TargetFacts, id=st.integers(1, 10**6), source_row=st.integers(2),
                                excluded=st.booleans()), unique_by=lambda t: t.id, max_size=60)


@given(targets_st, st.integers(min_value=1, max_value=7))
def test_round_robin_is_fair_and_assigns_each_dialable_target_once(
        targets: list[TargetFacts], operators: int) -> None:
    pairs = calllist.round_robin(targets, [Operator(i) for i in range(operators)])
    assert sorted(t for t, _ in pairs) == sorted(t.id for t in targets if not t.excluded)
    loads = Counter(o for _, o in pairs)
    if pairs:
        assert max(loads.values()) - min(loads.get(i, 0) for i in range(operators)) <= 1


@given(targets_st, st.lists(st.integers(0, 20), min_size=1, max_size=5))
def test_by_skill_evens_out_the_loads(targets: list[TargetFacts], loads: list[int]) -> None:
    ops = [Operator(i, frozenset({"hoikuryo"}), load=n) for i, n in enumerate(loads)]
    pairs = calllist.by_skill(targets, ops, "hoikuryo")
    final = Counter({o.id: o.load for o in ops})
    final.update(o for _, o in pairs)
    receivers = {o for _, o in pairs}
    if receivers:  # whoever received anything ends at most one above the least loaded
        assert max(final[o] for o in receivers) - min(final.values()) <= 1
