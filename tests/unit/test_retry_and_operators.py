"""Retry plans after each result, and the operator seat state machine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialer.domain import operators
from dialer.domain.operators import Operator, OperatorMoveError, SeatState
from dialer.domain.outcomes import Classification
from dialer.domain.retry import Limits, PastAttempt, Plan, after

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
TODAY = NOW.date()
TABLE = Classification()
DEFAULT = Limits()


def plan(code: str, history: int = 1, phones: int = 2, current: int = 0,
         limits: Limits = DEFAULT, appointment: datetime | None = None) -> Plan:
    past = [PastAttempt(TODAY, current)] * history
    return after(TABLE.get(code), NOW, TODAY, past, phones, current, limits, appointment)


def test_busy_is_retried_soon_and_no_answer_later() -> None:
    assert plan("S01").due_at == NOW + timedelta(minutes=15)
    assert plan("S02").due_at == NOW + timedelta(minutes=120)
    assert not plan("S01").done


def test_a_dead_number_moves_to_the_next_one_and_the_last_dead_number_ends_the_target() -> None:
    moved = plan("S03", phones=2, current=0)
    assert not moved.done and moved.phone_position == 1 and moved.due_at is None
    assert plan("S03", phones=2, current=1).done


def test_results_that_end_the_target() -> None:
    assert plan("101").done and plan("103").done


def test_an_appointment_sets_the_time() -> None:
    at = NOW + timedelta(days=2, hours=5)
    assert plan("106", appointment=at).due_at == at


def test_limits_per_day_and_in_total() -> None:
    tomorrow = datetime.combine(date(2027, 1, 13), datetime.min.time(), tzinfo=TZ)
    assert plan("S01", history=3).due_at == tomorrow
    assert plan("S01", history=10).done
    assert plan("S01", history=2, limits=Limits(per_day=5, total=2)).done


def test_an_operator_goes_through_a_call() -> None:
    op = operators.connect(Operator(1, "op1", "seat01"), "PJSIP/seat01-1", NOW)
    op = operators.reserve(op, "att-1", NOW)
    assert op.state is SeatState.RESERVED and op.attempt_id == "att-1"
    op = operators.talk_ended(operators.bridged(op, NOW), NOW)
    assert op.state is SeatState.WRAP_UP
    with pytest.raises(OperatorMoveError):
        operators.reserve(op, "att-2", NOW)  # no new call before the result is saved
    with pytest.raises(OperatorMoveError):
        operators.pause(op, "break", NOW)
    op = operators.result_saved(op, NOW)
    assert op.state is SeatState.READY and op.attempt_id is None
    op = operators.resume(operators.pause(op, "休憩", NOW), NOW)
    assert op.state is SeatState.READY
    assert operators.disconnect(op, NOW).state is SeatState.OFFLINE
