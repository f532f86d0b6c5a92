"""Who takes an outbound call: the operator who agreed a call back, when she can."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialer.domain.call_routing import HOLD_FOR, Promise, route
from dialer.domain.operators import Operator, SeatState

AT = datetime(2027, 1, 12, 15, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
HER = Operator(1, "sato", "seat01", SeatState.READY)
OTHER = Operator(2, "suzuki", "seat02", SeatState.READY)
PROMISE = Promise(AT, HER.user_id)


def busy(op: Operator, state: SeatState = SeatState.ON_CALL) -> Operator:
    return Operator(op.user_id, op.login, op.seat, state)


def test_the_operator_who_agreed_it_takes_it_even_when_another_has_waited_longer() -> None:
    chosen = route([OTHER, HER], [OTHER, HER], reserve=False, promise=PROMISE, now=AT)
    assert chosen.place and chosen.operator == HER


def test_while_she_is_on_another_call_or_paused_the_call_waits_for_her() -> None:
    for state in (SeatState.ON_CALL, SeatState.WRAP_UP, SeatState.PAUSED, SeatState.RESERVED):
        chosen = route([OTHER], [OTHER, busy(HER, state)], reserve=False, promise=PROMISE,
                       now=AT + HOLD_FOR - timedelta(seconds=1))
        assert not chosen.place and chosen.waiting_for_her, state


def test_after_the_wait_or_when_she_is_not_on_shift_the_next_free_operator_takes_it() -> None:
    late = route([OTHER], [OTHER, busy(HER)], reserve=False, promise=PROMISE, now=AT + HOLD_FOR)
    assert late.place and late.operator == OTHER
    for shift in ([OTHER], [OTHER, busy(HER, SeatState.OFFLINE)]):
        gone = route([OTHER], shift, reserve=False, promise=PROMISE, now=AT)
        assert gone.place and gone.operator == OTHER


def test_an_appointment_is_never_dialed_without_an_operator_reserved() -> None:
    assert route([], [], reserve=False, promise=Promise(AT, None), now=AT) == route(
        [], [], reserve=True, promise=None, now=AT)
    assert not route([], [], reserve=False, promise=Promise(AT, None), now=AT).place
    assert route([OTHER], [OTHER], reserve=False, promise=Promise(AT, None),
                 now=AT).operator == OTHER


def test_without_a_promise_pacing_decides() -> None:
    assert route([OTHER, HER], [], reserve=True, promise=None, now=AT).operator == OTHER
    predictive = route([OTHER], [], reserve=False, promise=None, now=AT)
    assert predictive.place and predictive.operator is None
    assert not route([], [], reserve=True, promise=None, now=AT).place
