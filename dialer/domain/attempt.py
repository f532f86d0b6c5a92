"""One call attempt's life, as a transition table (``TRANSITIONS``): ``step(attempt, event) ->
(attempt, commands)``.

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
    QueueConnected,
)
from dialer.domain.dial_outcome import DialFacts, classify


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


class When(StrEnum):
    """The condition on the facts (the event's included) under which a move is made."""

    ALWAYS = "always"
    SETTLED = "settled"  # the Originate has answered and the channel's end is known
    HUNG_UP = "hung up"  # the channel's hangup has been seen (now or earlier)


@dataclass(frozen=True)
class Move:
    """Go to ``to`` when ``when`` holds; ``abandoned``: the resident had answered, so an end
    before the talk is recorded as ABANDONED whatever the facts say."""

    to: Phase
    when: When = When.ALWAYS
    abandoned: bool = False


# Every rule of the machine: (phase, event kind) -> the move. A pair not listed (and a final
# phase, and an event without a channel) leaves the phase as it is; the facts still take the event.
TRANSITIONS: dict[tuple[Phase, type[CallEvent]], Move] = {
    (Phase.PLANNED, ChannelGone): Move(Phase.DONE),
    (Phase.PLANNED, BridgeFailed): Move(Phase.DONE),

    (Phase.DIALING, ChannelAnswered): Move(Phase.ANSWERED),
    (Phase.DIALING, ChannelBridged): Move(Phase.CONNECTED),
    (Phase.DIALING, ChannelGone): Move(Phase.DONE),
    (Phase.DIALING, BridgeFailed): Move(Phase.DONE),
    (Phase.DIALING, DialEnded): Move(Phase.DONE, When.SETTLED),
    (Phase.DIALING, ChannelHungUp): Move(Phase.DONE, When.SETTLED),
    (Phase.DIALING, OriginateFinished): Move(Phase.DONE, When.SETTLED),
    (Phase.DIALING, QueueConnected): Move(Phase.DONE, When.SETTLED),

    (Phase.ANSWERED, ChannelBridged): Move(Phase.CONNECTED),
    (Phase.ANSWERED, ChannelGone): Move(Phase.DONE, abandoned=True),
    (Phase.ANSWERED, BridgeFailed): Move(Phase.DONE, abandoned=True),
    (Phase.ANSWERED, ChannelAnswered): Move(Phase.DONE, When.HUNG_UP, abandoned=True),
    (Phase.ANSWERED, DialEnded): Move(Phase.DONE, When.HUNG_UP, abandoned=True),
    (Phase.ANSWERED, ChannelHungUp): Move(Phase.DONE, When.HUNG_UP, abandoned=True),
    (Phase.ANSWERED, OriginateFinished): Move(Phase.DONE, When.HUNG_UP, abandoned=True),
    (Phase.ANSWERED, QueueConnected): Move(Phase.DONE, When.HUNG_UP, abandoned=True),

    # Talking: only the resident's side ending moves it (a late bridge failure changes nothing).
    (Phase.CONNECTED, ChannelGone): Move(Phase.WRAP_UP),
    (Phase.CONNECTED, BridgeFailed): Move(Phase.WRAP_UP, When.HUNG_UP),
    (Phase.CONNECTED, ChannelAnswered): Move(Phase.WRAP_UP, When.HUNG_UP),
    (Phase.CONNECTED, ChannelBridged): Move(Phase.WRAP_UP, When.HUNG_UP),
    (Phase.CONNECTED, DialEnded): Move(Phase.WRAP_UP, When.HUNG_UP),
    (Phase.CONNECTED, ChannelHungUp): Move(Phase.WRAP_UP, When.HUNG_UP),
    (Phase.CONNECTED, OriginateFinished): Move(Phase.WRAP_UP, When.HUNG_UP),
    (Phase.CONNECTED, QueueConnected): Move(Phase.WRAP_UP, When.HUNG_UP),
}


def step(attempt: Attempt, event: CallEvent) -> tuple[Attempt, tuple[Command, ...]]:
    """Apply one Asterisk event to one attempt: look up its move in ``TRANSITIONS``."""
    if getattr(event, "channel_id", None) != attempt.id or attempt.phase in FINAL_PHASES:
        return attempt, ()
    moved = replace(attempt, facts=facts_after(attempt.facts, event))
    move = TRANSITIONS.get((attempt.phase, type(event)))
    if move is None or not _holds(move.when, moved.facts):
        return moved, ()
    return replace(moved, phase=move.to), _commands(move, moved.facts)


def _holds(when: When, facts: DialFacts) -> bool:
    if when is When.SETTLED:
        return facts.settled
    if when is When.HUNG_UP:
        return facts.hangup_cause is not None
    return True


def _commands(move: Move, facts: DialFacts) -> tuple[Command, ...]:
    """What the runner does on arriving in ``move.to``."""
    if move.to is Phase.WRAP_UP:
        return (OperatorWrapUp(),)
    if move.to is Phase.DONE:
        abandoned = move.abandoned or facts.answered
        return OperatorFree(), RecordOutcome(ABANDONED if abandoned else str(classify(facts)))
    return ()


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
