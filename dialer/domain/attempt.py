"""One call attempt's life, as a transition table: ``step(attempt, event) -> (attempt, commands)``.

    PLANNED --originate sent--> DIALING --resident answers--> ANSWERED --bridged--> CONNECTED
       DIALING  --ends unanswered-->                       DONE   (busy, no answer, …)
       ANSWERED --ends / bridge fails before the operator--> DONE (abandoned: silence)
       CONNECTED --resident's side ends-->                WRAP_UP (the operator records a result)

Events come from Asterisk and may arrive in either order (the Originate's answer before or after
the channel's end), so every move needs only what it names; an event that does not apply to the
current phase changes nothing (Asterisk sends many). A hangup already seen is not forgotten: an
attempt answered or bridged after it (events out of order) ends at its next event, and a bridge
failure reported once the talk has begun changes nothing. The commands tell the runner what to
do with the reserved operator and what to record; this module does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

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
from dialer.domain.dial_outcome import DialFacts, DialOutcome, classify


class Phase(StrEnum):
    PLANNED = "planned"  # written to the database; nothing sent yet
    DIALING = "dialing"  # Originate sent
    ANSWERED = "answered"  # the resident picked up; being bridged to the operator
    CONNECTED = "connected"  # resident and operator are talking
    WRAP_UP = "wrap_up"  # the call ended; the operator records the result
    DONE = "done"  # ended before any operator spoke; the system outcome is recorded


FINAL_PHASES = frozenset({Phase.WRAP_UP, Phase.DONE})
ABANDONED = "ABANDONED"


@dataclass(frozen=True)
class OperatorFree:
    """No call reached the reserved operator: they are free again."""


@dataclass(frozen=True)
class OperatorWrapUp:
    """The talk ended: the operator records the result (wrap-up)."""


@dataclass(frozen=True)
class RecordOutcome:
    """The attempt ended before any talk; ``outcome`` is a DialOutcome value or ABANDONED."""

    outcome: str


Command = OperatorFree | OperatorWrapUp | RecordOutcome


@dataclass(frozen=True)
class Attempt:
    id: str
    phase: Phase = Phase.PLANNED
    facts: DialFacts = field(default_factory=DialFacts)

    @property
    def in_flight(self) -> bool:
        return self.phase in (Phase.DIALING, Phase.ANSWERED, Phase.CONNECTED)


class IllegalMove(Exception):
    """A move the service itself requested is impossible in the current phase."""


def originate_sent(attempt: Attempt) -> Attempt:
    if attempt.phase is not Phase.PLANNED:
        raise IllegalMove(f"attempt {attempt.id}: cannot dial from {attempt.phase}")
    return replace(attempt, phase=Phase.DIALING)


def step(attempt: Attempt, event: CallEvent) -> tuple[Attempt, tuple[Command, ...]]:
    """Apply one Asterisk event to one attempt."""
    if getattr(event, "channel_id", None) != attempt.id or attempt.phase in FINAL_PHASES:
        return attempt, ()
    facts = facts_after(attempt.facts, event)
    moved = replace(attempt, facts=facts)
    if isinstance(event, ChannelAnswered) and attempt.phase is Phase.DIALING:
        return replace(moved, phase=Phase.ANSWERED), ()
    if isinstance(event, ChannelBridged) and attempt.phase in (Phase.DIALING, Phase.ANSWERED):
        return replace(moved, phase=Phase.CONNECTED), ()
    if attempt.phase is Phase.CONNECTED:  # only the resident's side ending moves it now
        if isinstance(event, ChannelGone) or facts.hangup_cause is not None:
            return replace(moved, phase=Phase.WRAP_UP), (OperatorWrapUp(),)
        return moved, ()
    if _ended_before_talk(attempt.phase, event, facts):
        return _done(moved, attempt.phase is Phase.ANSWERED or facts.answered)
    return moved, ()


def facts_after(facts: DialFacts, event: CallEvent) -> DialFacts:
    """What ``event`` adds to what is known about a dial."""
    match event:
        case DialEnded(status=status):
            return facts.with_dial_end(status)
        case ChannelHungUp(cause=cause):
            return facts.with_hangup(cause)
        case ChannelAnswered():
            return facts.with_answer()
        case OriginateFinished(success=success, reason=reason, channel_created=created):
            return facts.with_originate(success, reason, created)
    return facts


def _ended_before_talk(phase: Phase, event: CallEvent, facts: DialFacts) -> bool:
    if isinstance(event, ChannelGone | BridgeFailed):
        return True
    if phase is Phase.ANSWERED:  # this event is the hangup, or came after it
        return facts.hangup_cause is not None
    return phase is Phase.DIALING and facts.settled


def _done(attempt: Attempt, answered: bool) -> tuple[Attempt, tuple[Command, ...]]:
    outcome = ABANDONED if answered else str(classify(attempt.facts))
    return replace(attempt, phase=Phase.DONE), (OperatorFree(), RecordOutcome(outcome))


def system_outcome(attempt: Attempt) -> DialOutcome | None:
    """The DialOutcome of a finished unanswered attempt (None when answered or unfinished)."""
    if attempt.phase is not Phase.DONE or attempt.facts.answered:
        return None
    return classify(attempt.facts)
