"""The city's suspension orders as pure rules: what an order needs, what the orders in force
halt together, and what a banner says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.domain.calendar import NO_SUSPENSION, Suspension
from dialer.domain.suspension import (
    Order,
    OrderError,
    Request,
    Scope,
    check,
    data_halted,
    effective,
    label,
    release,
    summary,
)

AT = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
KNOWN = ("hoikuryo", "rojin")


def order(n: int, scope: Scope, debt_type: str | None = None, released: bool = False) -> Order:
    return Order(n, scope, debt_type, "市の指示", f"札幌市第{n}号", "kanri", AT,
                 "kanri" if released else None, AT if released else None)


def test_a_request_is_trimmed_and_needs_a_reason_and_the_citys_reference() -> None:
    ok = check(Request(Scope.OUTBOUND, None, "  個人情報の 取扱い\n調査 ", " 第 1 号 "), KNOWN)
    assert (ok.reason, ok.city_ref) == ("個人情報の 取扱い 調査", "第 1 号")
    with pytest.raises(OrderError, match="reason"):
        check(Request(Scope.OUTBOUND, None, "  ", "1"), KNOWN)
    with pytest.raises(OrderError, match="city reference"):
        check(Request(Scope.OUTBOUND, None, "x", ""), KNOWN)
    with pytest.raises(OrderError, match="at most"):
        check(Request(Scope.OUTBOUND, None, "x" * 501, "1"), KNOWN)


def test_only_a_debt_type_order_names_a_debt_type_and_it_must_be_known() -> None:
    assert check(Request(Scope.DEBT_TYPE, "rojin", "x", "1"), KNOWN).debt_type == "rojin"
    for scope, debt_type in ((Scope.DEBT_TYPE, None), (Scope.DEBT_TYPE, "nope"),
                             (Scope.CALLBACKS, "rojin"), (Scope.DATA, "hoikuryo")):
        with pytest.raises(OrderError):
            check(Request(scope, debt_type, "x", "1"), KNOWN)


def test_the_orders_in_force_add_up_and_released_ones_count_for_nothing() -> None:
    assert effective([]) == NO_SUSPENSION
    orders = [order(1, Scope.DEBT_TYPE, "rojin"), order(2, Scope.CALLBACKS),
              order(3, Scope.OUTBOUND, released=True), order(4, Scope.DATA, released=True)]
    assert effective(orders) == Suspension(debt_types=frozenset({"rojin"}), callbacks=True)
    assert not data_halted(orders)
    assert data_halted([*orders, order(5, Scope.DATA)])
    assert effective([order(6, Scope.OUTBOUND)]).stops_calling("hoikuryo")


@given(st.lists(st.tuples(st.sampled_from(list(Scope)), st.sampled_from(KNOWN), st.booleans()),
                max_size=8))
def test_releasing_one_order_never_lifts_another(items: list[tuple[Scope, str, bool]]) -> None:
    orders = [order(n, scope, debt if scope is Scope.DEBT_TYPE else None, released)
              for n, (scope, debt, released) in enumerate(items)]
    whole = effective(orders)
    for n, gone in enumerate(orders):
        rest = effective(orders[:n] + orders[n + 1:])
        # whatever the rest halts, the whole still halts
        assert not rest.all_calling or whole.all_calling
        assert rest.debt_types <= whole.debt_types
        assert not rest.callbacks or whole.callbacks
        if not gone.active:
            assert rest == whole


def test_a_released_order_cannot_be_released_again() -> None:
    release(order(1, Scope.DATA))
    with pytest.raises(OrderError, match="released already"):
        release(order(1, Scope.DATA, released=True))


def test_labels_and_banners_say_what_is_halted() -> None:
    names = {"rojin": "老人福祉施設"}
    assert label(order(1, Scope.DEBT_TYPE, "rojin"), names) == "架電（債権別）: 老人福祉施設"
    assert label(order(2, Scope.DATA), names) == "データの取込・出力"
    assert summary(Suspension(True, frozenset({"rojin"}), True), names) == [
        "架電（全債権）", "架電: 老人福祉施設", "折返し対応"]
    assert summary(NO_SUSPENSION, names) == []
