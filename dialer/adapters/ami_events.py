"""AMI event -> typed domain event (``dialer.domain.call_events``), or None when irrelevant.

The adapter's translator, pure and panoramisk-free so it can be tested with recorded or invented
events. It reads the headers in the shape panoramisk stores them — lowercased name -> (name as
sent, value) — so the adapter hands it a parsed message without copying it; ``translate`` takes a
plain header mapping (tests, the adapter's own synthesised events). Unknown events and events
missing the fields we need are ignored (None), never raised on: Asterisk adds events and fields
between versions.

``SOURCES`` says which AMI events can give each event type, so the adapter skips, before
building anything, the events no subscriber wants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dialer.domain.call_events import (
    AsteriskBooted,
    AsteriskShutdown,
    BridgeFailed,
    CallEvent,
    ChannelAnswered,
    ChannelBridged,
    ChannelHungUp,
    ContactLost,
    DialEnded,
    DialplanStep,
    GateFellBack,
    OriginateFinished,
    QueueAbandoned,
    QueueConnected,
    QueueJoined,
    RecordingStopped,
)

Fields = Mapping[str, tuple[str, Any]]  # panoramisk's store: lowercased name -> (name, value)
Translator = Callable[[Fields], CallEvent | None]

ANSWERED_STATE = "6"  # ChannelState "Up"
NULL = "<null>"


def _s(fields: Fields, key: str) -> str:
    item = fields.get(key)
    if item is None:
        return ""
    value = item[1]
    return value if type(value) is str else str(value)


def _int(fields: Fields, key: str) -> int | None:
    try:
        return int(_s(fields, key))
    except ValueError:
        return None


def _float(fields: Fields, key: str) -> float | None:
    try:
        return float(_s(fields, key))
    except ValueError:
        return None


def _at(fields: Fields) -> float:
    """Asterisk's timestamp of the event; a garbled or missing one is 0.0."""
    try:
        return float(_s(fields, "timestamp") or 0)
    except ValueError:
        return 0.0


def _dial_end(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "destuniqueid") or _s(f, "uniqueid")
    status = _s(f, "dialstatus")
    return DialEnded(channel_id, status) if channel_id and status else None


def _hangup(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    if not channel_id:
        return None
    return ChannelHungUp(channel_id, _int(f, "cause") or 0, _s(f, "channel"), _at(f))


def _newstate(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    if channel_id and _s(f, "channelstate") == ANSWERED_STATE:
        return ChannelAnswered(channel_id, _at(f))
    return None


def _originate(f: Fields) -> CallEvent | None:
    uniqueid = _s(f, "uniqueid")
    created = uniqueid not in ("", NULL)
    channel_id = _s(f, "channelid") or (uniqueid if created else "")
    if not channel_id:
        return None
    success = _s(f, "response").lower() == "success"
    return OriginateFinished(channel_id, success, _int(f, "reason") or 0, created,
                             _s(f, "channel"))


def _bridge_enter(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    return ChannelBridged(channel_id, _at(f)) if channel_id else None


def _user_event(f: Fields) -> CallEvent | None:
    name, channel_id = _s(f, "userevent"), _s(f, "uniqueid")
    if not channel_id:
        return None
    if name == "DialerGateFallback":
        return GateFellBack(channel_id, _s(f, "state"))
    result = _s(f, "result")
    if name != "DialerBridgeEnded" or result == "SUCCESS":
        return None
    return BridgeFailed(channel_id, result or "UNKNOWN")


def _agent_connect(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    if not channel_id:
        return None
    return QueueConnected(channel_id, _s(f, "membername"), _s(f, "queue"),
                          _float(f, "holdtime"))


def _new_exten(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    if not channel_id:
        return None
    return DialplanStep(channel_id, _s(f, "context"), _s(f, "application"), _s(f, "appdata"),
                        _at(f))


def _queue_join(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    return QueueJoined(channel_id, _int(f, "position"), _at(f)) if channel_id else None


def _queue_abandon(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    return QueueAbandoned(channel_id, _float(f, "holdtime"), _at(f)) if channel_id else None


def _mixmonitor_stop(f: Fields) -> CallEvent | None:
    channel_id = _s(f, "uniqueid")
    return RecordingStopped(channel_id) if channel_id else None


def _contact_status(f: Fields) -> CallEvent | None:
    """``ContactStatus`` (res_pjsip): a contact of an AOR became Unreachable."""
    status, aor = _s(f, "contactstatus"), _s(f, "aor")
    return ContactLost(aor, status) if aor and status == "Unreachable" else None


def _peer_status(f: Fields) -> CallEvent | None:
    """``PeerStatus`` (Peer: PJSIP/<endpoint>): the endpoint has no reachable contact."""
    status, peer = _s(f, "peerstatus"), _s(f, "peer")
    if status != "Unreachable" or not peer.startswith("PJSIP/"):
        return None
    return ContactLost(peer.removeprefix("PJSIP/"), status)


TRANSLATORS: dict[str, Translator] = {
    "dialend": _dial_end,
    "hangup": _hangup,
    "newstate": _newstate,
    "originateresponse": _originate,
    "fullybooted": lambda f: AsteriskBooted(),
    "shutdown": lambda f: AsteriskShutdown(),
    "bridgeenter": _bridge_enter,
    "agentconnect": _agent_connect,
    "userevent": _user_event,
    "newexten": _new_exten,
    "queuecallerjoin": _queue_join,
    "queuecallerabandon": _queue_abandon,
    "mixmonitorstop": _mixmonitor_stop,
    "contactstatus": _contact_status,
    "peerstatus": _peer_status,
}

SOURCES: dict[type, tuple[str, ...]] = {  # event type -> the AMI events that can give it
    DialEnded: ("dialend",),
    ChannelHungUp: ("hangup",),
    ChannelAnswered: ("newstate",),
    OriginateFinished: ("originateresponse",),
    AsteriskBooted: ("fullybooted",),
    AsteriskShutdown: ("shutdown",),
    ChannelBridged: ("bridgeenter",),
    QueueConnected: ("agentconnect",),
    BridgeFailed: ("userevent",),
    GateFellBack: ("userevent",),
    DialplanStep: ("newexten",),
    QueueJoined: ("queuecallerjoin",),
    QueueAbandoned: ("queuecallerabandon",),
    RecordingStopped: ("mixmonitorstop",),
    ContactLost: ("contactstatus", "peerstatus"),
}


def translators_for(kinds: Iterable[type]) -> dict[str, Translator]:
    """The translators of the AMI events that can give one of ``kinds`` (keyed by the event's
    lowercased name)."""
    return {name: TRANSLATORS[name] for kind in kinds for name in SOURCES[kind]}


def fields_of(raw: Mapping[str, str]) -> Fields:
    """A plain header mapping in the translator's shape."""
    return {str(k).lower(): (str(k), v) for k, v in raw.items()}


def translate_fields(fields: Fields) -> CallEvent | None:
    handler = TRANSLATORS.get(_s(fields, "event").lower())
    return handler(fields) if handler else None


def translate(raw: Mapping[str, str]) -> CallEvent | None:
    """One AMI event, given as plain headers, as a domain event (None: irrelevant)."""
    return translate_fields(fields_of(raw))
