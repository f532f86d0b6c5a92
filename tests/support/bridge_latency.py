"""Answer -> operator-bridged latency of a call, read from AMI event timestamps."""

from __future__ import annotations

from collections.abc import Iterable

from dialer.adapters.ami import Raw

ANSWERED = "6"


def answer_to_bridge_ms(events: Iterable[Raw], channel_id: str) -> float | None:
    """Milliseconds from the resident's answer (Newstate Up) to entering the operator's bridge,
    by Asterisk's own clock (``timestampevents``); None when either is missing."""
    answered = bridged = None
    for raw in events:
        if raw.get("Uniqueid") != channel_id or "Timestamp" not in raw:
            continue
        if raw.get("Event") == "Newstate" and raw.get("ChannelState") == ANSWERED:
            answered = answered or float(raw["Timestamp"])
        elif raw.get("Event") == "BridgeEnter":
            bridged = bridged or float(raw["Timestamp"])
    if answered is None or bridged is None:
        return None
    return (bridged - answered) * 1000
