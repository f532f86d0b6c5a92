"""Which operator takes an outbound call, chosen when the call is claimed.

* Skills: an operator whose account lists debt types (skills) takes only those debt types'
  calls; an account with none listed takes any. While someone on shift is not skilled for the
  call's debt type, the call always has a skilled operator reserved (the callback queue, which
  hands out unreserved calls, knows nothing of skills).
* A call back agreed with the resident (an appointment due now) goes to the operator who
  agreed it; a target assigned to an operator goes to her. When she is ready she is reserved;
  when she is on shift but busy (on a call, in wrap-up, paused) the call waits for her, up to
  its hold time past the moment it became due (``HOLD_FOR`` for an appointment, ``[calling]
  assigned_wait_min`` for an assignment); when she is not on shift, or the wait is over, the
  next free skilled operator takes it. Such a call always has an operator reserved (the
  resident was promised a person; the answered call must reach the chosen one).
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
ASSIGNED_HOLD_FOR = timedelta(minutes=10)  # the default wait for an assigned operator


@dataclass(frozen=True)
class Promise:
    """The call back agreed with the resident: when, and by whom."""

    at: datetime
    operator_id: int | None


@dataclass(frozen=True)
class Wanted:
    """The operator a call should go to, and until when it may wait for her."""

    operator_id: int
    until: datetime | None  # None: no wait (she takes it only when ready now)


@dataclass(frozen=True)
class Route:
    place: bool  # dial now (False: not now — no operator free, or waiting for hers)
    operator: Operator | None = None  # reserved for the call (None: the queue chooses)
    waiting_for_her: bool = False  # held back for the operator it should go to


NOT_NOW = Route(place=False)


def skilled(op: Operator, debt_type: str | None) -> bool:
    """``op`` may take ``debt_type``'s calls (an account with no skills listed takes any)."""
    return debt_type is None or not op.skills or debt_type in op.skills


def wanted(promise: Promise | None, assigned_to: int | None, assigned_since: datetime | None,
           assigned_hold: timedelta = ASSIGNED_HOLD_FOR) -> Wanted | None:
    """Whom the call should go to: the operator who agreed the appointment, else the one the
    target is assigned to (None: anyone)."""
    if promise is not None and promise.operator_id is not None:
        return Wanted(promise.operator_id, promise.at + HOLD_FOR)
    if assigned_to is not None:
        return Wanted(assigned_to, assigned_since + assigned_hold if assigned_since else None)
    return None


def route(ready: Sequence[Operator], on_shift: Sequence[Operator], *, reserve: bool,
          now: datetime, promise: Promise | None = None, want: Wanted | None = None,
          debt_type: str | None = None) -> Route:
    """``ready``: the ready operators, in the pool's order; ``on_shift``: every operator the
    pool knows; ``reserve``: pacing or the target's history wants an operator reserved;
    ``promise``: the target is due for an agreed call back; ``want``: the operator it should
    go to (``wanted``); ``debt_type``: the call's, for skills."""
    able = [op for op in ready if skilled(op, debt_type)]
    working = [op for op in on_shift if op.state is not SeatState.OFFLINE]
    if want is not None:
        her = next((op for op in able if op.user_id == want.operator_id), None)
        if her is not None:
            return Route(True, her)
        if any(op.user_id == want.operator_id and skilled(op, debt_type) for op in working) and \
                want.until is not None and now < want.until:
            return Route(False, waiting_for_her=True)
    if promise is not None or want is not None or \
            any(not skilled(op, debt_type) for op in working):
        reserve = True
    if not reserve:
        return Route(True)
    return Route(True, able[0]) if able else NOT_NOW
