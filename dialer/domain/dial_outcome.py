"""How an outbound dial ended, read from what Asterisk reports about it.

OriginateResponse ``Reason`` is unreliable for PJSIP (a 486 gives 0), and DialEnd's status is
coarse (a 404 "not found" gives NOANSWER), so the order of trust is: a meaningful ``Hangup``
cause, then the ``DialEnd`` status, then the OriginateResponse reason. An Originate
that rings until its timeout emits no DialEnd at all: only ``Reason 3`` tells.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class DialOutcome(StrEnum):
    ANSWERED = "ANSWERED"
    BUSY = "BUSY"
    NO_ANSWER = "NO ANSWER"
    CONGESTION = "CONGESTION"
    UNREACHABLE = "UNREACHABLE"  # number not in service, subscriber absent, channel unavailable
    FAILED = "FAILED"  # anything else: the attempt did not reach the resident


DIAL_STATUS: dict[str, DialOutcome] = {
    "ANSWER": DialOutcome.ANSWERED,
    "BUSY": DialOutcome.BUSY,
    "NOANSWER": DialOutcome.NO_ANSWER,
    "CANCEL": DialOutcome.NO_ANSWER,
    "CONGESTION": DialOutcome.CONGESTION,
    "CHANUNAVAIL": DialOutcome.UNREACHABLE,
}

# Q.850 cause codes as Asterisk reports them in Hangup events.
HANGUP_CAUSE: dict[int, DialOutcome] = {
    1: DialOutcome.UNREACHABLE,  # unallocated number
    3: DialOutcome.UNREACHABLE,  # no route to destination
    17: DialOutcome.BUSY,
    18: DialOutcome.NO_ANSWER,  # no user responding
    19: DialOutcome.NO_ANSWER,  # no answer from user
    20: DialOutcome.UNREACHABLE,  # subscriber absent
    21: DialOutcome.FAILED,  # call rejected
    22: DialOutcome.UNREACHABLE,  # number changed
    27: DialOutcome.UNREACHABLE,  # destination out of order
    28: DialOutcome.UNREACHABLE,  # invalid number format
    34: DialOutcome.CONGESTION,
    38: DialOutcome.CONGESTION,  # network out of order
    41: DialOutcome.CONGESTION,  # temporary failure
    42: DialOutcome.CONGESTION,  # switching equipment congestion
}

# OriginateResponse Reason (AST_CONTROL_* values).
ORIGINATE_REASON: dict[int, DialOutcome] = {
    3: DialOutcome.NO_ANSWER,  # rang until the Originate timeout
    4: DialOutcome.ANSWERED,
    5: DialOutcome.BUSY,
    8: DialOutcome.CONGESTION,
}


@dataclass(frozen=True)
class DialFacts:
    """What has been seen so far about one dial; each field fills in as events arrive."""

    answered: bool = False
    dial_status: str | None = None
    hangup_cause: int | None = None
    originate_reason: int | None = None
    originate_success: bool | None = None
    channel_created: bool = True

    def with_dial_end(self, status: str) -> DialFacts:
        status = status.upper()
        return replace(self, dial_status=status, answered=self.answered or status == "ANSWER")

    def with_answer(self) -> DialFacts:
        return replace(self, answered=True)

    def with_hangup(self, cause: int) -> DialFacts:
        return replace(self, hangup_cause=cause)

    def with_originate(self, success: bool, reason: int, channel_created: bool = True
                       ) -> DialFacts:
        return replace(
            self, originate_success=success, originate_reason=reason,
            channel_created=channel_created, answered=self.answered or (success and reason == 4),
        )

    @property
    def settled(self) -> bool:
        """Nothing more will change the outcome: the Originate has answered, and the channel's
        hangup has been seen whenever a channel was created (they arrive in either order)."""
        if self.originate_success is None:
            return False
        return self.hangup_cause is not None or not self.channel_created


def classify(facts: DialFacts) -> DialOutcome:
    if facts.answered:
        return DialOutcome.ANSWERED
    if facts.hangup_cause in HANGUP_CAUSE:  # a 404 says DialStatus NOANSWER but cause 1
        return HANGUP_CAUSE[facts.hangup_cause]
    if facts.dial_status in DIAL_STATUS:
        return DIAL_STATUS[facts.dial_status]
    if facts.originate_reason in ORIGINATE_REASON:
        return ORIGINATE_REASON[facts.originate_reason]
    return DialOutcome.FAILED
