"""Temporary: the transition table gives exactly what the former if-chain gave, for every phase
× every event kind × any facts (hypothesis). Deleted once shown, with the if-chain."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.domain.attempt import (
    ABANDONED,
    FINAL_PHASES,
    Attempt,
    Command,
    OperatorFree,
    OperatorWrapUp,
    Phase,
    RecordOutcome,
    facts_after,
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
    OriginateFinished,
    QueueConnected,
)
from dialer.domain.dial_outcome import DialFacts, classify


def old_step(attempt: Attempt, event: CallEvent) -> tuple[Attempt, tuple[Command, ...]]:
    """The if-chain as it was (be1e7e2)."""
    if getattr(event, "channel_id", None) != attempt.id or attempt.phase in FINAL_PHASES:
        return attempt, ()
    facts = facts_after(attempt.facts, event)
    moved = replace(attempt, facts=facts)
    if isinstance(event, ChannelAnswered) and attempt.phase is Phase.DIALING:
        return replace(moved, phase=Phase.ANSWERED), ()
    if isinstance(event, ChannelBridged) and attempt.phase in (Phase.DIALING, Phase.ANSWERED):
        return replace(moved, phase=Phase.CONNECTED), ()
    if attempt.phase is Phase.CONNECTED:
        if isinstance(event, ChannelGone) or facts.hangup_cause is not None:
            return replace(moved, phase=Phase.WRAP_UP), (OperatorWrapUp(),)
        return moved, ()
    if _ended_before_talk(attempt.phase, event, facts):
        return _done(moved, attempt.phase is Phase.ANSWERED or facts.answered)
    return moved, ()


def _ended_before_talk(phase: Phase, event: CallEvent, facts: DialFacts) -> bool:
    if isinstance(event, ChannelGone | BridgeFailed):
        return True
    if phase is Phase.ANSWERED:
        return facts.hangup_cause is not None
    return phase is Phase.DIALING and facts.settled


def _done(attempt: Attempt, answered: bool) -> tuple[Attempt, tuple[Command, ...]]:
    outcome = ABANDONED if answered else str(classify(attempt.facts))
    return replace(attempt, phase=Phase.DONE), (OperatorFree(), RecordOutcome(outcome))


ID = "att-1"
ids = st.sampled_from([ID, "other"])
causes = st.sampled_from([0, 1, 16, 17, 19, 21, 34, 127])
statuses = st.sampled_from(["ANSWER", "BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL", "cancel"])
EVENT_KINDS: dict[type[CallEvent], st.SearchStrategy[CallEvent]] = {
    DialEnded: st.builds(DialEnded, ids, statuses),
    ChannelHungUp: st.builds(ChannelHungUp, ids, causes),
    ChannelAnswered: st.builds(ChannelAnswered, ids),
    OriginateFinished: st.builds(OriginateFinished, ids, st.booleans(),
                                 st.sampled_from([0, 1, 3, 4, 5, 8]), st.booleans()),
    AsteriskBooted: st.just(AsteriskBooted()),
    AsteriskShutdown: st.just(AsteriskShutdown()),
    ChannelBridged: st.builds(ChannelBridged, ids),
    BridgeFailed: st.builds(BridgeFailed, ids, st.sampled_from(["NONEXISTENT", "FAILURE"])),
    ChannelGone: st.builds(ChannelGone, ids),
    QueueConnected: st.builds(QueueConnected, ids, st.just("201"), st.just("q")),
}
facts = st.builds(DialFacts, answered=st.booleans(), dial_status=st.none() | statuses,
                  hangup_cause=st.none() | causes,
                  originate_reason=st.none() | st.sampled_from([0, 1, 3, 4, 5, 8]),
                  originate_success=st.none() | st.booleans(), channel_created=st.booleans())


def test_every_event_kind_is_covered() -> None:
    assert set(EVENT_KINDS) == set(CallEvent.__args__)  # type: ignore[attr-defined]


@settings(max_examples=3000)
@given(st.sampled_from(list(Phase)), facts, st.one_of(*EVENT_KINDS.values()))
def test_the_table_moves_as_the_if_chain_did(phase: Phase, known: DialFacts,
                                             event: CallEvent) -> None:
    attempt = Attempt(ID, phase, known)
    assert step(attempt, event) == old_step(attempt, event)


def test_every_phase_and_event_kind_with_every_facts_sample() -> None:
    """Exhaustive over phase × kind on a fixed grid of facts (no sampling luck)."""
    grid = [DialFacts(answered=a, hangup_cause=h, originate_success=s, channel_created=c)
            for a in (False, True) for h in (None, 16, 17) for s in (None, False, True)
            for c in (False, True)]
    samples: list[CallEvent] = [
        DialEnded(ID, "BUSY"), DialEnded(ID, "ANSWER"), ChannelHungUp(ID, 17),
        ChannelAnswered(ID), OriginateFinished(ID, False, 0, True),
        OriginateFinished(ID, True, 4, True), OriginateFinished(ID, False, 0, False),
        AsteriskBooted(), AsteriskShutdown(), ChannelBridged(ID), BridgeFailed(ID, "X"),
        ChannelGone(ID), QueueConnected(ID, "201", "q"), ChannelGone("other")]
    assert {type(e) for e in samples} == set(EVENT_KINDS)
    for phase in Phase:
        for known in grid:
            for event in samples:
                attempt = Attempt(ID, phase, known)
                assert step(attempt, event) == old_step(attempt, event), (phase, known, event)
