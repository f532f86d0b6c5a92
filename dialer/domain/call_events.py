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


CallEvent = (
    DialEnded | ChannelHungUp | ChannelAnswered | OriginateFinished | AsteriskBooted
    | AsteriskShutdown
)
