"""Operators on the telephone side: one seat each, and what they are doing now.

    OFFLINE --goes ready, seat connected--> READY --reserved for a dial--> RESERVED
    RESERVED --resident bridged--> ON_CALL --talk ends--> WRAP_UP --result saved--> READY
    RESERVED --the dial ended unanswered--> READY
    READY --an unreserved (predictive) call reaches them through the queue--> ON_CALL
    READY --pause(reason)--> PAUSED --resume--> READY
    any --the seat phone is gone (hung up, stopped answering)--> OFFLINE with a notice, except
        ON_CALL / WRAP_UP --phone gone--> WRAP_UP without a phone (the call's result is still
        owed) --result saved--> OFFLINE

Progressive pacing reserves one READY operator per call before dialing, so an answered resident
always has an operator waiting (no abandoned calls by construction).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class SeatState(StrEnum):
    OFFLINE = "offline"
    READY = "ready"
    RESERVED = "reserved"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class OperatorMoveError(Exception):
    """The move is impossible in the operator's current state."""


@dataclass(frozen=True)
class Operator:
    user_id: int
    login: str
    seat: str
    state: SeatState = SeatState.OFFLINE
    channel: str = ""  # the seat phone's connected channel while ready
    attempt_id: str | None = None
    since: datetime | None = None
    pause_reason: str = ""
    notice: str = ""  # why the service moved them (their phone went away), for console & board
    skills: frozenset[str] = frozenset()  # debt types they take (none listed: any)


ALLOWED: dict[str, frozenset[SeatState]] = {
    "connect": frozenset({SeatState.OFFLINE}),
    "reserve": frozenset({SeatState.READY}),
    "bridged": frozenset({SeatState.RESERVED}),
    "took_call": frozenset({SeatState.READY}),
    "release": frozenset({SeatState.RESERVED}),
    "talk_ended": frozenset({SeatState.ON_CALL, SeatState.RESERVED, SeatState.WRAP_UP}),
    "result_saved": frozenset({SeatState.WRAP_UP}),
    "pause": frozenset({SeatState.READY}),
    "resume": frozenset({SeatState.PAUSED}),
    "disconnect": frozenset(SeatState),
}


def _check(op: Operator, move: str) -> None:
    if op.state not in ALLOWED[move]:
        raise OperatorMoveError(f"operator {op.login}: cannot {move} while {op.state}")


def connect(op: Operator, channel: str, now: datetime) -> Operator:
    _check(op, "connect")
    return replace(op, state=SeatState.READY, channel=channel, since=now, attempt_id=None,
                   notice="")


def reserve(op: Operator, attempt_id: str, now: datetime) -> Operator:
    _check(op, "reserve")
    return replace(op, state=SeatState.RESERVED, attempt_id=attempt_id, since=now)


def bridged(op: Operator, now: datetime) -> Operator:
    _check(op, "bridged")
    return replace(op, state=SeatState.ON_CALL, since=now)


def took_call(op: Operator, attempt_id: str, now: datetime) -> Operator:
    """A free operator was given an unreserved (predictive) call by the queue."""
    _check(op, "took_call")
    return replace(op, state=SeatState.ON_CALL, attempt_id=attempt_id, since=now)


def release(op: Operator, now: datetime) -> Operator:
    """The reserved dial ended before reaching the operator."""
    _check(op, "release")
    return replace(op, state=SeatState.READY, attempt_id=None, since=now)


def talk_ended(op: Operator, now: datetime) -> Operator:
    """The talk is over; already in wrap-up (their phone ended it first) stays as it is."""
    _check(op, "talk_ended")
    if op.state is SeatState.WRAP_UP:
        return op
    return replace(op, state=SeatState.WRAP_UP, since=now)


def result_saved(op: Operator, now: datetime) -> Operator:
    """The result is in: ready for the next call — or offline when their phone went away
    during the call (nothing to put a resident through to)."""
    _check(op, "result_saved")
    state = SeatState.READY if op.channel else SeatState.OFFLINE
    return replace(op, state=state, attempt_id=None, since=now)


def phone_lost(op: Operator, notice: str, now: datetime) -> Operator:
    """The seat phone's session ended without the operator leaving (hung up on the phone, no
    more RTP, unreachable). During or right after a talk the operator stays with that call in
    wrap-up so its result is still saved; otherwise they are offline. ``notice`` says why."""
    if op.state in (SeatState.ON_CALL, SeatState.WRAP_UP) and op.attempt_id:
        return replace(op, state=SeatState.WRAP_UP, channel="", notice=notice,
                       since=now if op.state is SeatState.ON_CALL else op.since)
    return replace(op, state=SeatState.OFFLINE, channel="", attempt_id=None, since=now,
                   notice=notice)


def pause(op: Operator, reason: str, now: datetime) -> Operator:
    _check(op, "pause")
    return replace(op, state=SeatState.PAUSED, pause_reason=reason, since=now)


def resume(op: Operator, now: datetime) -> Operator:
    _check(op, "resume")
    return replace(op, state=SeatState.READY, pause_reason="", since=now)


def disconnect(op: Operator, now: datetime) -> Operator:
    return replace(op, state=SeatState.OFFLINE, channel="", attempt_id=None, since=now,
                   notice="")
