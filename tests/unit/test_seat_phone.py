"""A seat phone that goes away: the operator leaves ready with a notice saying why, and one in a
talk (or its wrap-up) keeps that call in wrap-up until its result is saved, then is offline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from dialer import config
from dialer.domain import operators
from dialer.domain.call_events import CallEvent, ChannelHungUp, ContactLost
from dialer.domain.operators import Operator, SeatState
from dialer.services.console import screen
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.sessions import HUNG_UP, HUNG_UP_IN_CALL, UNREACHABLE, OperatorSessions

NOW = datetime(2027, 1, 12, 10, tzinfo=UTC)
SESSION = "PJSIP/seat01-00000001"


def ready() -> Operator:
    return operators.connect(Operator(1, "op1", "seat01"), SESSION, NOW)


def test_a_phone_gone_while_ready_or_paused_takes_the_operator_offline_with_a_notice() -> None:
    for op in (ready(), operators.pause(ready(), "休憩", NOW),
               operators.reserve(ready(), "att-1", NOW)):
        lost = operators.phone_lost(op, "gone", NOW)
        assert (lost.state, lost.channel, lost.attempt_id, lost.notice) == (
            SeatState.OFFLINE, "", None, "gone")


def test_a_phone_gone_mid_call_leaves_the_call_in_wrap_up_until_its_result() -> None:
    on_call = operators.bridged(operators.reserve(ready(), "att-1", NOW), NOW)
    lost = operators.phone_lost(on_call, "gone", NOW)
    assert (lost.state, lost.channel, lost.attempt_id) == (SeatState.WRAP_UP, "", "att-1")
    assert operators.talk_ended(lost, NOW) == lost  # the resident's side ends afterwards
    saved = operators.result_saved(lost, NOW)
    assert (saved.state, saved.attempt_id) == (SeatState.OFFLINE, None)  # no phone to be ready
    again = operators.connect(saved, "PJSIP/seat01-2", NOW)
    assert again.state is SeatState.READY and again.notice == ""
    wrap = operators.talk_ended(on_call, NOW)
    assert operators.phone_lost(wrap, "gone", NOW).attempt_id == "att-1"
    assert operators.result_saved(wrap, NOW).state is SeatState.READY  # phone still there


class FakeLink:
    def __init__(self) -> None:
        self.hung_up: list[str] = []

    def subscribe(self, *kinds: type) -> asyncio.Queue[CallEvent]:
        return asyncio.Queue()

    async def hangup(self, channel: str, cause: int | None = None) -> None:
        self.hung_up.append(channel)


@pytest.fixture
def pool() -> OperatorPool:
    pool = OperatorPool()
    pool.add(1, "op1", "seat01")
    pool.connect(1, SESSION, NOW)
    return pool


async def test_the_phone_hanging_up_mid_call_keeps_the_call_for_its_result(
        pool: OperatorPool) -> None:
    sessions = OperatorSessions(FakeLink(), pool, lambda: NOW)  # type: ignore[arg-type]
    pool.reserve(1, "att-1", NOW)
    pool.bridged("att-1", NOW)
    sessions.handle(ChannelHungUp("seat-x", 16, SESSION))
    op = pool.get(1)
    assert (op.state, op.attempt_id, op.notice) == (SeatState.WRAP_UP, "att-1", HUNG_UP_IN_CALL)
    message = screen.state_message(op, None, [], config.load(None))
    assert message["result_pending"] is True and message["notice"] == HUNG_UP_IN_CALL
    pool.talk_ended("att-1", NOW)  # the runner sees the resident's side end: no error
    assert pool.result_saved(1, NOW).state is SeatState.OFFLINE


async def test_the_phone_hanging_up_while_ready_says_so(pool: OperatorPool) -> None:
    sessions = OperatorSessions(FakeLink(), pool, lambda: NOW)  # type: ignore[arg-type]
    sessions.handle(ChannelHungUp("seat-x", 16, SESSION))
    assert (pool.get(1).state, pool.get(1).notice) == (SeatState.OFFLINE, HUNG_UP)
    assert pool.ready() == []


async def test_an_unreachable_phone_is_hung_up_and_its_operator_leaves_ready(
        pool: OperatorPool) -> None:
    link = FakeLink()
    sessions = OperatorSessions(link, pool, lambda: NOW)  # type: ignore[arg-type]
    await sessions.contact_lost(ContactLost("seat02"))  # another seat: nothing happens
    assert pool.get(1).state is SeatState.READY and link.hung_up == []
    await sessions.contact_lost(ContactLost("seat01"))
    assert (pool.get(1).state, pool.get(1).notice) == (SeatState.OFFLINE, UNREACHABLE)
    assert link.hung_up == [SESSION] and pool.ready() == []
    await sessions.contact_lost(ContactLost("seat01"))  # told twice (PeerStatus too): once
    assert link.hung_up == [SESSION]
