"""A campaign the runner dials for, and one of its calls on the line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialer.domain.attempt import Attempt
from dialer.domain.pacing import Policy

PROGRESSIVE = Policy()


@dataclass(frozen=True)
class Campaign:
    batch_id: int
    debt_type: str
    ring_timeout_s: float = 30.0
    policy: Policy = PROGRESSIVE  # predictive is opt-in per campaign
    # The list's month ("2027-05"): it dials only inside that month's calling period. Every
    # campaign opened from the database carries it; None (any period of the debt type) is left
    # for campaigns a test builds by hand.
    month: str | None = None


@dataclass
class InFlight:
    attempt: Attempt
    number: str
    operator_id: int | None
    placed_at: datetime | None = None
    risk: float = 0.0  # the Decision.risk that placed an unreserved call
