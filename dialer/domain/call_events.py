"""Domain events about calls, as the rest of the service sees them (no AMI vocabulary)."""

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


@dataclass(frozen=True)
class ChannelAnswered:
    channel_id: str


@dataclass(frozen=True)
class OriginateFinished:
    channel_id: str
    success: bool
    reason: int
    channel_created: bool = True  # False when Asterisk could not even create the channel


@dataclass(frozen=True)
class AsteriskBooted:
    pass


@dataclass(frozen=True)
class AsteriskShutdown:
    pass




@dataclass(frozen=True)
class ChannelBridged:
    """The channel entered a bridge (for an attempt: it reached its operator)."""

    channel_id: str


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
    """A queue connected this channel to the operator on ``seat``."""

    channel_id: str
    seat: str
    queue: str


CallEvent = (
    DialEnded | ChannelHungUp | ChannelAnswered | OriginateFinished | AsteriskBooted
    | AsteriskShutdown | ChannelBridged | BridgeFailed | ChannelGone | QueueConnected
)
