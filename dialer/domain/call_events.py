"""Domain events about calls, as the rest of the service sees them (no AMI vocabulary).

The AMI adapter (``dialer.adapters.ami_events``) builds them from Asterisk's events, once; ``at``
is Asterisk's own timestamp of the event (seconds, ``timestampevents``), 0.0 when it sent none.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DialEnded:
    channel_id: str
    status: str


@dataclass(frozen=True)
class ChannelHungUp:
    channel_id: str
    cause: int
    channel: str = ""  # the channel's name (a seat's session is known by it)
    at: float = 0.0


@dataclass(frozen=True)
class ChannelAnswered:
    channel_id: str
    at: float = 0.0


@dataclass(frozen=True)
class OriginateFinished:
    channel_id: str
    success: bool
    reason: int
    channel_created: bool = True  # False when Asterisk could not even create the channel
    channel: str = ""  # the name of the channel it created (a seat's session)


@dataclass(frozen=True)
class AsteriskBooted:
    """Asterisk is fully booted; sent at every AMI login, so after a reconnect too."""


@dataclass(frozen=True)
class AsteriskShutdown:
    pass


@dataclass(frozen=True)
class ChannelBridged:
    """The channel entered a bridge (for an attempt: it reached its operator)."""

    channel_id: str
    at: float = 0.0


@dataclass(frozen=True)
class BridgeFailed:
    """The dialplan could not bridge the attempt to its operator (the operator was gone)."""

    channel_id: str
    result: str


@dataclass(frozen=True)
class ChannelGone:
    """After a reconnect or restart, Asterisk no longer has this channel."""

    channel_id: str


@dataclass(frozen=True)
class QueueConnected:
    """A queue connected this channel to the operator on ``seat`` after ``hold_s`` seconds of
    waiting (None: not reported)."""

    channel_id: str
    seat: str
    queue: str
    hold_s: float | None = None


@dataclass(frozen=True)
class DialplanStep:
    """The channel runs a new dialplan step (``application(app_data)`` in ``context``)."""

    channel_id: str
    context: str
    application: str
    app_data: str
    at: float = 0.0


@dataclass(frozen=True)
class QueueJoined:
    """The caller joined a queue at ``position`` (None: not reported)."""

    channel_id: str
    position: int | None
    at: float = 0.0


@dataclass(frozen=True)
class QueueAbandoned:
    """The caller hung up while waiting in the queue, after ``hold_s`` seconds."""

    channel_id: str
    hold_s: float | None
    at: float = 0.0


@dataclass(frozen=True)
class GateFellBack:
    """The dialplan decided the callback state itself (``state``): the gate did not answer."""

    channel_id: str
    state: str


@dataclass(frozen=True)
class RecordingStopped:
    """The MixMonitor on this channel stopped (the call ended or someone stopped it)."""

    channel_id: str


@dataclass(frozen=True)
class ContactLost:
    """A seat phone stopped answering Asterisk's qualify (OPTIONS): its contact is unreachable.

    ``seat`` is the AOR (the seat's name); ``status`` what Asterisk said."""

    seat: str
    status: str = "Unreachable"


@dataclass(frozen=True)
class Channel:
    """One channel Asterisk carries now (from its channel list)."""

    channel_id: str  # the unique id
    name: str
    bridge_id: str = ""
    context: str = ""


CallEvent = (
    DialEnded | ChannelHungUp | ChannelAnswered | OriginateFinished | AsteriskBooted
    | AsteriskShutdown | ChannelBridged | BridgeFailed | ChannelGone | QueueConnected
    | DialplanStep | QueueJoined | QueueAbandoned | GateFellBack | RecordingStopped
)
