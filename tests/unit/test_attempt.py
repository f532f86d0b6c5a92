"""The attempt state machine: every ending, in any order Asterisk may send its events."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialer.domain.attempt import (
    ABANDONED,
    FINAL_PHASES,
    TRANSITIONS,
    Attempt,
    IllegalMove,
    OperatorFree,
    OperatorWrapUp,
    Phase,
    RecordOutcome,
    facts_after,
    originate_sent,
    step,
)
from dialer.domain.call_events import (
    AsteriskBooted,
    AsteriskShutdown,
    BridgeFailed,
    CallEvent,
    ChannelAnswered,
    ChannelBridged,
    ChannelGone,
    ChannelHungUp,
    DialEnded,
    DialplanStep,
    GateFellBack,
    OriginateFinished,
    QueueAbandoned,
    QueueConnected,
    QueueJoined,
    RecordingStopped,
)
from dialer.domain.dial_outcome import DialFacts, DialOutcome, classify

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
    assert classify(attempt.facts) is DialOutcome.BUSY and not attempt.facts.answered
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


# The whole machine, written out a second time by hand: where each event kind leads from each
# phase. "-" stays; "done?settled" moves only once the dial is settled; "?hung-up" only once the
# channel's hangup is known (this event or an earlier one). Final phases never move.
MATRIX = """
                   planned  dialing       answered      connected
DialEnded          -        done?settled  done?hung-up  wrap_up?hung-up
ChannelHungUp      -        done?settled  done?hung-up  wrap_up?hung-up
ChannelAnswered    -        answered      done?hung-up  wrap_up?hung-up
OriginateFinished  -        done?settled  done?hung-up  wrap_up?hung-up
ChannelBridged     -        connected     connected     wrap_up?hung-up
BridgeFailed       done     done          done          wrap_up?hung-up
ChannelGone        done     done          done          wrap_up
QueueConnected     -        done?settled  done?hung-up  wrap_up?hung-up
"""
KINDS: dict[str, type[CallEvent]] = {k.__name__: k for k in (
    DialEnded, ChannelHungUp, ChannelAnswered, OriginateFinished, ChannelBridged, BridgeFailed,
    ChannelGone, QueueConnected)}
SAMPLES: list[CallEvent] = [
    DialEnded(ID, "BUSY"), DialEnded(ID, "ANSWER"), ChannelHungUp(ID, 17), ChannelHungUp(ID, 19),
    ChannelAnswered(ID), OriginateFinished(ID, False, 0, True),
    OriginateFinished(ID, True, 4, True), OriginateFinished(ID, False, 0, False),
    ChannelBridged(ID), BridgeFailed(ID, "NONEXISTENT"),
    ChannelGone(ID), QueueConnected(ID, "201", "q"), AsteriskBooted(), AsteriskShutdown(),
    ChannelGone("other"), ChannelHungUp("other", 16),
    # what the callback line and the recorder hear: never moves an attempt
    DialplanStep(ID, "from-pstn", "Playback", "x"), QueueJoined(ID, 1), QueueAbandoned(ID, 3.0),
    GateFellBack(ID, "OPEN"), RecordingStopped(ID)]
NOT_FOR_ATTEMPTS = {DialplanStep, QueueJoined, QueueAbandoned, GateFellBack, RecordingStopped}
FACTS = [DialFacts(answered=a, dial_status=d, hangup_cause=h, originate_success=s,
                   channel_created=c)
         for a in (False, True) for d in (None, "BUSY") for h in (None, 16, 17)
         for s in (None, False, True) for c in (False, True)]


def expected_moves() -> dict[tuple[Phase, type[CallEvent]], str]:
    header, *rows = MATRIX.strip().splitlines()
    phases = [Phase(name) for name in header.split()]
    return {(phase, KINDS[cells[0]]): cell for cells in (row.split() for row in rows)
            for phase, cell in zip(phases, cells[1:], strict=True)}


def test_the_table_is_the_matrix() -> None:
    """Every pair the table lists is in the matrix with the same move, and vice versa."""
    listed = {(phase, kind): move.to.value + ("" if move.when == "always" else f"?{move.when}")
              for (phase, kind), move in TRANSITIONS.items()}
    assert {k: v.replace(" ", "-") for k, v in listed.items()} == {
        k: v for k, v in expected_moves().items() if v != "-"}
    every_kind = set(CallEvent.__args__)  # type: ignore[attr-defined]
    assert every_kind == {*KINDS.values(), AsteriskBooted, AsteriskShutdown, *NOT_FOR_ATTEMPTS}


def expected_step(attempt: Attempt, event: CallEvent) -> tuple[Phase, tuple[object, ...]]:
    """The matrix applied by hand: the phase reached and the commands it must give."""
    if getattr(event, "channel_id", None) != ID or attempt.phase in FINAL_PHASES:
        return attempt.phase, ()
    cell = expected_moves().get((attempt.phase, type(event)), "-")
    to, _, guard = cell.partition("?")
    facts = facts_after(attempt.facts, event)
    if to == "-" or (guard == "settled" and not facts.settled) or (
            guard == "hung-up" and facts.hangup_cause is None):
        return attempt.phase, ()
    if to == "wrap_up":
        return Phase.WRAP_UP, (OperatorWrapUp(),)
    if to == "done":
        abandoned = attempt.phase is Phase.ANSWERED or facts.answered
        return Phase.DONE, (OperatorFree(), RecordOutcome(
            ABANDONED if abandoned else str(classify(facts))))
    return Phase(to), ()


def test_every_phase_event_kind_and_facts_moves_as_the_matrix_says() -> None:
    """Exhaustive: every phase x every event kind (this and another channel's) x a grid of
    facts; the facts always take the event unless the phase is final or the channel another."""
    assert {type(e) for e in SAMPLES} == set(CallEvent.__args__)  # type: ignore[attr-defined]
    for phase in Phase:
        for known in FACTS:
            for event in SAMPLES:
                attempt = Attempt(ID, phase, known)
                after, commands = step(attempt, event)
                assert (after.phase, commands) == expected_step(attempt, event), (
                    phase, known, event)
                ignored = getattr(event, "channel_id", None) != ID or phase in FINAL_PHASES
                assert after.facts == (known if ignored else facts_after(known, event))
                assert after.id == ID
