"""One resident's call to the dedicated number, followed through the IVR (issue: IVR awareness).

Built only from what Asterisk reports (typed events, ``dialer.domain.call_events``) and what the
gate decided:
when it came in, the state the gate (or the fallback calendar) gave, the message played, when it
joined the queue and at which position, and how it ended — connected to an operator after a
wait, abandoned while waiting, or ended after its message. Pure: ``observe(call, event)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import PurePosixPath

from dialer.domain.call_events import (
    CallEvent,
    ChannelHungUp,
    DialplanStep,
    GateFellBack,
    QueueAbandoned,
    QueueConnected,
    QueueJoined,
)


class InboundEnd(StrEnum):
    ONGOING = "ongoing"
    MESSAGE = "message"  # heard the out-of-hours / out-of-period message
    CONNECTED = "connected"  # reached an operator
    ABANDONED = "abandoned"  # hung up while waiting in the queue
    LOST = "lost"  # hung up before anything else happened


@dataclass(frozen=True)
class InboundCall:
    channel_id: str
    started: float
    gate_state: str = ""
    candidates: int = 0  # targets this caller may be (called on that number, open batches)
    fallback: bool = False
    message: str = ""
    queued_at: float | None = None
    position: int | None = None
    wait_s: float | None = None
    operator_seat: str = ""
    ended_at: float | None = None
    end: InboundEnd = InboundEnd.ONGOING


FOLLOWED = (GateFellBack, DialplanStep, QueueJoined, QueueConnected, QueueAbandoned,
            ChannelHungUp)  # the events that change an inbound call's record


def observe(call: InboundCall, event: CallEvent) -> InboundCall:
    """Fold one event of this call's channel into the record; once it has hung up, the
    record is final (nothing reported after the end changes it)."""
    if call.ended_at is not None:
        return call
    match event:
        case GateFellBack(state=state):
            return replace(call, fallback=True, gate_state=state)
        case DialplanStep(application="Playback", app_data=data):
            return replace(call, message=PurePosixPath(data).name)
        case QueueJoined(position=position, at=at):
            return replace(call, queued_at=at, position=position)
        case QueueConnected(seat=seat, hold_s=hold_s):
            return replace(call, end=InboundEnd.CONNECTED, operator_seat=seat, wait_s=hold_s)
        case QueueAbandoned(hold_s=hold_s):
            return replace(call, end=InboundEnd.ABANDONED, wait_s=hold_s)
        case ChannelHungUp(at=at):
            return _hung_up(call, at)
    return call


def vanished(call: InboundCall, at: float) -> InboundCall:
    """The call's channel is gone and its hangup was never reported (Asterisk was killed, or
    the link lost the events): it ends at ``at`` (when that was found out) as a hangup would
    have ended it; a caller still waiting in the queue gave up waiting (abandoned), as when
    Asterisk restarts and reports it."""
    if call.ended_at is not None:
        return call
    if call.end is InboundEnd.ONGOING and call.queued_at is not None:
        call = replace(call, end=InboundEnd.ABANDONED,
                       wait_s=max(0.0, at - call.queued_at) if call.queued_at else None)
    return _hung_up(call, at)


def _hung_up(call: InboundCall, at: float) -> InboundCall:
    end = call.end
    if end is InboundEnd.ONGOING:
        end = InboundEnd.MESSAGE if call.message else InboundEnd.LOST
    return replace(call, ended_at=at, end=end)


@dataclass(frozen=True)
class InboundSummary:
    """What supervisors and the daily report show about callbacks.

    ``longest_wait_s`` is the longest wait of the counted calls once known (connected or
    abandoned); ``longest_waiting_now_s`` the wait so far of the caller queued longest right
    now. ``out_of_hours`` / ``out_of_period`` count the calls that heard that message (a
    suspended line plays the out-of-period one); ``congestion`` counts the callers who waited
    long enough in the queue to hear the congestion message at least once (it first plays
    ``[asterisk] congestion_start_s`` after joining).
    """

    received: int
    connected: int
    abandoned: int
    messages: int
    waiting_now: int
    longest_wait_s: float
    longest_waiting_now_s: float = 0.0
    out_of_hours: int = 0
    out_of_period: int = 0
    congestion: int = 0


def waited_so_far(call: InboundCall, now: float) -> float | None:
    """How long a caller still in the queue has waited at ``now`` (None: not waiting)."""
    if call.queued_at is None or call.end is not InboundEnd.ONGOING:
        return None
    return max(0.0, now - call.queued_at)


def counted(call: InboundCall, since: float | None) -> bool:
    """Does the call belong to the period starting at ``since`` (None: every call)? A call
    still going on always does, whenever it started."""
    return since is None or call.started >= since or call.ended_at is None


def summarize(calls: list[InboundCall], *, now: float | None = None,
              since: float | None = None,
              congestion_after_s: float | None = None) -> InboundSummary:
    """The figures of ``calls`` started at or after ``since`` (AMI timestamps, seconds).

    ``now`` (same clock) gives the current waits; ``congestion_after_s`` is when a waiting
    caller first hears the congestion message (the queue's periodic-announce-startdelay): a
    caller who waited that long heard it.
    """
    calls = [c for c in calls if counted(c, since)]
    waits = [c.wait_s for c in calls if c.wait_s is not None]
    current = [w for c in calls if now is not None
               and (w := waited_so_far(c, now)) is not None]
    heard = 0
    if congestion_after_s is not None:
        for call in calls:
            wait = call.wait_s
            if wait is None and now is not None:
                wait = waited_so_far(call, now)
            if wait is not None and wait >= congestion_after_s:
                heard += 1
    return InboundSummary(
        received=len(calls),
        connected=sum(c.end is InboundEnd.CONNECTED for c in calls),
        abandoned=sum(c.end is InboundEnd.ABANDONED for c in calls),
        messages=sum(c.end is InboundEnd.MESSAGE for c in calls),
        waiting_now=sum(c.queued_at is not None and c.end is InboundEnd.ONGOING for c in calls),
        longest_wait_s=max(waits, default=0.0),
        longest_waiting_now_s=max(current, default=0.0),
        out_of_hours=sum(c.message == "out_of_hours" for c in calls),
        out_of_period=sum(c.message == "out_of_period" for c in calls),
        congestion=heard,
    )
