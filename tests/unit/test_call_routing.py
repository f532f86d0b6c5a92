"""Who takes an outbound call: the operator who agreed a call back or was assigned the target,
when she can; never an operator not skilled for the debt type."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialer.domain.call_routing import HOLD_FOR, Promise, Route, route, skilled, wanted
from dialer.domain.operators import Operator, SeatState

AT = datetime(2027, 1, 12, 15, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
HER = Operator(1, "sato", "seat01", SeatState.READY)
OTHER = Operator(2, "suzuki", "seat02", SeatState.READY)
PROMISE = Promise(AT, HER.user_id)


def busy(op: Operator, state: SeatState = SeatState.ON_CALL) -> Operator:
    return Operator(op.user_id, op.login, op.seat, state, skills=op.skills)


def skilled_in(op: Operator, *debt_types: str) -> Operator:
    return Operator(op.user_id, op.login, op.seat, op.state, skills=frozenset(debt_types))


def promised(ready: Sequence[Operator], shift: Sequence[Operator], now: datetime = AT,
             reserve: bool = False) -> Route:
    return route(ready, shift, reserve=reserve, now=now, promise=PROMISE,
                 want=wanted(PROMISE, None, None))


def test_the_operator_who_agreed_it_takes_it_even_when_another_has_waited_longer() -> None:
    chosen = promised([OTHER, HER], [OTHER, HER])
    assert chosen.place and chosen.operator == HER


def test_while_she_is_on_another_call_or_paused_the_call_waits_for_her() -> None:
    for state in (SeatState.ON_CALL, SeatState.WRAP_UP, SeatState.PAUSED, SeatState.RESERVED):
        chosen = promised([OTHER], [OTHER, busy(HER, state)],
                          now=AT + HOLD_FOR - timedelta(seconds=1))
        assert not chosen.place and chosen.waiting_for_her, state


def test_after_the_wait_or_when_she_is_not_on_shift_the_next_free_operator_takes_it() -> None:
    late = promised([OTHER], [OTHER, busy(HER)], now=AT + HOLD_FOR)
    assert late.place and late.operator == OTHER
    for shift in ([OTHER], [OTHER, busy(HER, SeatState.OFFLINE)]):
        gone = promised([OTHER], shift)
        assert gone.place and gone.operator == OTHER


def test_an_appointment_is_never_dialed_without_an_operator_reserved() -> None:
    nobody = Promise(AT, None)
    assert wanted(nobody, None, None) is None
    assert not route([], [], reserve=False, now=AT, promise=nobody).place
    assert route([OTHER], [OTHER], reserve=False, now=AT, promise=nobody).operator == OTHER


def test_an_assigned_target_goes_to_her_and_waits_for_her_from_when_it_became_hers() -> None:
    since = AT - timedelta(minutes=3)
    want = wanted(None, HER.user_id, since, timedelta(minutes=5))
    assert want is not None and want.until == since + timedelta(minutes=5)
    assert route([OTHER, HER], [OTHER, HER], reserve=False, now=AT, want=want).operator == HER
    assert route([OTHER], [OTHER, busy(HER)], reserve=False, now=AT,
                 want=want).waiting_for_her
    after = route([OTHER], [OTHER, busy(HER)], reserve=False, now=since + timedelta(minutes=5),
                  want=want)
    assert after.place and after.operator == OTHER  # reserved: the answer must reach him
    never_due = wanted(None, HER.user_id, None)  # no time known: no wait, anyone free
    assert route([OTHER], [OTHER, busy(HER)], reserve=False, now=AT,
                 want=never_due).operator == OTHER


def test_an_operator_without_the_skill_never_gets_the_call() -> None:
    kyushoku_only = skilled_in(OTHER, "kyushoku")
    assert not skilled(kyushoku_only, "hoikuryo") and skilled(OTHER, "hoikuryo")
    assert not route([kyushoku_only], [kyushoku_only], reserve=True, now=AT,
                     debt_type="hoikuryo").place
    # predictive, with an unskilled operator on shift: reserved for a skilled one, never the
    # queue (which would hand the answered call to whoever is free)
    both = [kyushoku_only, skilled_in(HER, "hoikuryo")]
    chosen = route(both, both, reserve=False, now=AT, debt_type="hoikuryo")
    assert chosen.place and chosen.operator is not None and chosen.operator.user_id == HER.user_id
    # the assigned operator is passed over when she lacks the skill
    want = wanted(None, OTHER.user_id, AT)
    assert route(both, both, reserve=False, now=AT, want=want,
                 debt_type="hoikuryo").operator == both[1]


def test_without_a_promise_pacing_decides() -> None:
    assert route([OTHER, HER], [], reserve=True, now=AT).operator == OTHER
    predictive = route([OTHER], [OTHER], reserve=False, now=AT, debt_type="hoikuryo")
    assert predictive.place and predictive.operator is None
    assert not route([], [], reserve=True, now=AT).place
