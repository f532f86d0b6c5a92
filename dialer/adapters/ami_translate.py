"""AMI event (a flat mapping of header -> value) -> domain event, or None when irrelevant.

Pure and panoramisk-free so it can be tested with recorded or invented events. Unknown events
and events missing the fields we need are ignored (returning None), never raised on: Asterisk
adds events and fields between versions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dialer.domain.call_events import (
    AsteriskBooted,
    AsteriskShutdown,
    BridgeFailed,
    CallEvent,
    ChannelAnswered,
    ChannelBridged,
    ChannelHungUp,
    DialEnded,
    OriginateFinished,
    QueueConnected,
)

Raw = Mapping[str, str]

ANSWERED_STATE = "6"
NULL = "<null>"  # ChannelState "Up"


def _int(raw: Raw, key: str, default: int = 0) -> int:
    try:
        return int(raw.get(key, default))
    except (TypeError, ValueError):
        return default


def _dial_end(raw: Raw) -> CallEvent | None:
    channel_id = raw.get("DestUniqueid") or raw.get("Uniqueid")
    status = raw.get("DialStatus")
    return DialEnded(channel_id, status) if channel_id and status else None


def _hangup(raw: Raw) -> CallEvent | None:
    channel_id = raw.get("Uniqueid")
    return ChannelHungUp(channel_id, _int(raw, "Cause")) if channel_id else None


def _newstate(raw: Raw) -> CallEvent | None:
    channel_id = raw.get("Uniqueid")
    if channel_id and raw.get("ChannelState") == ANSWERED_STATE:
        return ChannelAnswered(channel_id)
    return None


def _originate(raw: Raw) -> CallEvent | None:
    uniqueid = raw.get("Uniqueid", "")
    created = uniqueid not in ("", NULL)
    channel_id = raw.get("ChannelId") or (uniqueid if created else "")
    if not channel_id:
        return None
    success = raw.get("Response", "").lower() == "success"
    return OriginateFinished(channel_id, success, _int(raw, "Reason"), created)


def _bridge_enter(raw: Raw) -> CallEvent | None:
    channel_id = raw.get("Uniqueid")
    return ChannelBridged(channel_id) if channel_id else None


def _user_event(raw: Raw) -> CallEvent | None:
    if raw.get("UserEvent") != "DialerBridgeEnded":
        return None
    channel_id, result = raw.get("Uniqueid"), raw.get("Result", "")
    if not channel_id or result == "SUCCESS":
        return None
    return BridgeFailed(channel_id, result or "UNKNOWN")


def _agent_connect(raw: Raw) -> CallEvent | None:
    channel_id, seat = raw.get("Uniqueid"), raw.get("MemberName")
    return QueueConnected(channel_id, seat, raw.get("Queue", "")) if channel_id and seat else None


TRANSLATORS: dict[str, Callable[[Raw], CallEvent | None]] = {
    "dialend": _dial_end,
    "hangup": _hangup,
    "newstate": _newstate,
    "originateresponse": _originate,
    "fullybooted": lambda raw: AsteriskBooted(),
    "shutdown": lambda raw: AsteriskShutdown(),
    "bridgeenter": _bridge_enter,
    "agentconnect": _agent_connect,
    "userevent": _user_event,
}


def translate(raw: Raw) -> CallEvent | None:
    name = str(raw.get("Event", "")).lower()
    handler = TRANSLATORS.get(name)
    return handler(raw) if handler else None
