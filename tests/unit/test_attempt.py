"""The attempt state machine: every ending, in any order Asterisk may send its events."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialer.domain.attempt import (
    ABANDONED,
    Attempt,
    IllegalMove,
    OperatorFree,
    OperatorWrapUp,
    Phase,
    RecordOutcome,
    originate_sent,
    step,
    system_outcome,
)
from dialer.domain.call_events import (
    BridgeFailed,
    CallEvent,
    ChannelAnswered,
    ChannelBridged,
    ChannelGone,
    ChannelHungUp,
    DialEnded,
    OriginateFinished,
)
from dialer.domain.dial_outcome import DialOutcome

ID = "att-1"


def run(events: list[CallEvent]) -> tuple[Attempt, list[object]]:
    attempt = originate_sent(Attempt(ID))
    commands: list[object] = []
    for event in events:
        attempt, produced = step(attempt, event)
        commands.extend(produced)
    return attempt, commands


BUSY = [DialEnded(ID, "BUSY"), ChannelHungUp(ID, 17), OriginateFinished(ID, False, 0, True)]
NO_ANSWER = [ChannelHungUp(ID, 19), OriginateFinished(ID, False, 3, True)]
TALK = [ChannelAnswered(ID), OriginateFinished(ID, True, 4, True), DialEnded(ID, "ANSWER"),
        ChannelBridged(ID), ChannelHungUp(ID, 16)]


@given(st.permutations(BUSY))
def test_busy_ends_done_in_any_order_and_frees_the_operator_once(events: list[CallEvent]) -> None:
    attempt, commands = run(events)
    assert attempt.phase is Phase.DONE
    assert system_outcome(attempt) is DialOutcome.BUSY
    assert commands == [OperatorFree(), RecordOutcome("BUSY")]


@given(st.permutations(NO_ANSWER))
def test_ring_no_answer(events: list[CallEvent]) -> None:
    _, commands = run(events)
    assert commands == [OperatorFree(), RecordOutcome("NO ANSWER")]


def test_a_talk_ends_in_wrap_up_and_later_events_change_nothing() -> None:
    attempt, commands = run([*TALK, ChannelHungUp(ID, 16), DialEnded(ID, "BUSY")])
    assert attempt.phase is Phase.WRAP_UP
    assert commands == [OperatorWrapUp()]


def test_answered_but_never_bridged_is_abandoned() -> None:
    attempt, commands = run([ChannelAnswered(ID), BridgeFailed(ID, "NONEXISTENT")])
    assert attempt.phase is Phase.DONE
    assert commands == [OperatorFree(), RecordOutcome(ABANDONED)]
    attempt, commands = run([ChannelAnswered(ID), ChannelHungUp(ID, 16)])
    assert commands == [OperatorFree(), RecordOutcome(ABANDONED)]


def test_other_channels_events_are_ignored() -> None:
    attempt, commands = run([ChannelHungUp("other", 17), OriginateFinished("other", False, 0)])
    assert attempt.phase is Phase.DIALING and commands == []


def test_a_channel_gone_after_a_restart_ends_the_attempt() -> None:
    attempt, commands = run([ChannelGone(ID)])
    assert attempt.phase is Phase.DONE
    assert commands == [OperatorFree(), RecordOutcome("FAILED")]
    attempt, commands = run([ChannelAnswered(ID), ChannelBridged(ID), ChannelGone(ID)])
    assert attempt.phase is Phase.WRAP_UP and commands == [OperatorWrapUp()]


def test_dialing_twice_is_an_illegal_move() -> None:
    attempt = originate_sent(Attempt(ID))
    try:
        originate_sent(attempt)
    except IllegalMove as exc:
        assert "dialing" in str(exc)
    else:
        raise AssertionError("dialing twice must raise")


ALL_EVENTS = st.sampled_from([*BUSY, *NO_ANSWER, *TALK, BridgeFailed(ID, "FAILURE"),
                              ChannelGone(ID)])


@given(st.lists(ALL_EVENTS, max_size=12))
def test_the_operator_is_released_exactly_once_whatever_happens(events: list[CallEvent]) -> None:
    attempt, commands = run(events)
    releases = [c for c in commands if isinstance(c, OperatorFree | OperatorWrapUp)]
    assert len(releases) == (1 if attempt.phase in (Phase.DONE, Phase.WRAP_UP) else 0)
    assert len([c for c in commands if isinstance(c, RecordOutcome)]) == (
        1 if attempt.phase is Phase.DONE else 0)
