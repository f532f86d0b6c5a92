"""Which operator takes an outbound call, chosen when the call is claimed.

* A call back agreed with the resident (an appointment due now) goes to the operator who
  agreed it when she is ready. When she is on shift but busy (on a call, in wrap-up, paused)
  the call waits for her, up to ``HOLD_FOR`` past the agreed time; when she is not on shift, or
  the wait is over, the next free operator takes it. An appointment always has an operator
  reserved before it is dialed (the resident was promised a person, never an abandoned call).
* A target abandoned before is never dialed again without an operator reserved.
* Otherwise progressive pacing reserves the first ready operator; predictive pacing reserves
  no one (the callback queue hands the answered call to whoever is free).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialer.domain.operators import Operator, SeatState

HOLD_FOR = timedelta(minutes=10)  # how long an appointment waits for the operator who agreed it


@dataclass(frozen=True)
class Promise:
    """The call back agreed with the resident: when, and by whom."""

    at: datetime
    operator_id: int | None


@dataclass(frozen=True)
class Route:
    place: bool  # dial now (False: not now — no operator free, or waiting for hers)
    operator: Operator | None = None  # reserved for the call (None: the queue chooses)
    waiting_for_her: bool = False  # held back for the operator who agreed the appointment


NOT_NOW = Route(place=False)


def route(ready: Sequence[Operator], on_shift: Sequence[Operator], *, reserve: bool,
          promise: Promise | None, now: datetime) -> Route:
    """``ready``: the ready operators, in the pool's order; ``on_shift``: every operator
    logged in; ``reserve``: pacing or the target's history wants an operator reserved."""
    if promise is not None and promise.operator_id is not None:
        her = next((op for op in ready if op.user_id == promise.operator_id), None)
        if her is not None:
            return Route(True, her)
        working = any(op.user_id == promise.operator_id and op.state is not SeatState.OFFLINE
                      for op in on_shift)
        if working and now < promise.at + HOLD_FOR:
            return Route(False, waiting_for_her=True)
    if promise is not None:
        reserve = True
    if not reserve:
        return Route(True)
    return Route(True, ready[0]) if ready else NOT_NOW
