"""Answer -> operator-bridged latency of a call, read from the events' Asterisk timestamps."""

from __future__ import annotations

from collections.abc import Iterable

from dialer.domain.call_events import CallEvent, ChannelAnswered, ChannelBridged

EVENTS = (ChannelAnswered, ChannelBridged)  # what to subscribe to


def answer_to_bridge_ms(events: Iterable[CallEvent], channel_id: str) -> float | None:
    """Milliseconds from the resident's answer (Newstate Up) to entering the operator's bridge,
    by Asterisk's own clock (``timestampevents``); None when either is missing."""
    answered = bridged = None
    for event in events:
        if not isinstance(event, EVENTS) or event.channel_id != channel_id or not event.at:
            continue
        if isinstance(event, ChannelAnswered):
            answered = answered or event.at
        else:
            bridged = bridged or event.at
    if answered is None or bridged is None:
        return None
    return (bridged - answered) * 1000
