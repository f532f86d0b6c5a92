"""AMI events -> domain events, and how a dial's facts are classified."""

from __future__ import annotations

import pytest

from dialer.adapters.ami import originate_headers
from dialer.adapters.ami_events import translate
from dialer.domain.call_events import (
    AsteriskBooted,
    AsteriskShutdown,
    BridgeFailed,
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
from dialer.domain.dial_outcome import DialFacts, DialOutcome, classify
from dialer.services.calls.dial import fold, originate_request


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"Event": "DialEnd", "DestUniqueid": "c1", "DialStatus": "BUSY"}, DialEnded("c1", "BUSY")),
        ({"Event": "Hangup", "Uniqueid": "c1", "Cause": "17"}, ChannelHungUp("c1", 17)),
        ({"Event": "Hangup", "Uniqueid": "c1", "Cause": "junk"}, ChannelHungUp("c1", 0)),
        ({"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "6"}, ChannelAnswered("c1")),
        ({"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "5"}, None),
        ({"Event": "OriginateResponse", "ChannelId": "c1", "Uniqueid": "<null>",
          "Response": "Failure", "Reason": "3"}, OriginateFinished("c1", False, 3, False)),
        ({"Event": "OriginateResponse", "ChannelId": "c1", "Uniqueid": "c1",
          "Response": "Failure", "Reason": "0"}, OriginateFinished("c1", False, 0, True)),
        ({"Event": "OriginateResponse", "Uniqueid": "<null>", "Response": "Failure"}, None),
        ({"Event": "FullyBooted"}, AsteriskBooted()),
        ({"Event": "Shutdown"}, AsteriskShutdown()),
        ({"Event": "VarSet", "Uniqueid": "c1"}, None),
        ({"Event": "BridgeEnter", "Uniqueid": "c1"}, ChannelBridged("c1")),
        ({"Event": "UserEvent", "UserEvent": "DialerBridgeEnded", "Uniqueid": "c1",
          "Result": "NONEXISTENT"}, BridgeFailed("c1", "NONEXISTENT")),
        ({"Event": "UserEvent", "UserEvent": "DialerBridgeEnded", "Uniqueid": "c1",
          "Result": "SUCCESS"}, None),
        ({"Event": "UserEvent", "UserEvent": "Other", "Uniqueid": "c1"}, None),
        ({"Event": "DialEnd", "DialStatus": "BUSY"}, None),  # no channel: ignored, not raised
        ({}, None),
        ({"Event": "Hangup", "Uniqueid": "c1", "Channel": "PJSIP/seat01-1", "Cause": "16",
          "Timestamp": "12.5"}, ChannelHungUp("c1", 16, "PJSIP/seat01-1", 12.5)),
        ({"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "6", "Timestamp": "x"},
         ChannelAnswered("c1", 0.0)),
        ({"Event": "OriginateResponse", "ChannelId": "s1", "Uniqueid": "s1", "Response": "Success",
          "Reason": "4", "Channel": "PJSIP/seat01-1"},
         OriginateFinished("s1", True, 4, True, "PJSIP/seat01-1")),
        ({"Event": "AgentConnect", "Uniqueid": "c1", "MemberName": "seat01", "Queue": "cb",
          "HoldTime": "7"}, QueueConnected("c1", "seat01", "cb", 7.0)),
        ({"Event": "AgentConnect", "Uniqueid": "c1", "HoldTime": "?"},
         QueueConnected("c1", "", "", None)),
        ({"Event": "Newexten", "Uniqueid": "c1", "Context": "callback", "Application": "Playback",
          "AppData": "custom/out_of_hours", "Timestamp": "3"},
         DialplanStep("c1", "callback", "Playback", "custom/out_of_hours", 3.0)),
        ({"Event": "QueueCallerJoin", "Uniqueid": "c1", "Position": "2", "Timestamp": "4"},
         QueueJoined("c1", 2, 4.0)),
        ({"Event": "QueueCallerJoin", "Uniqueid": "c1"}, QueueJoined("c1", None, 0.0)),
        ({"Event": "QueueCallerAbandon", "Uniqueid": "c1", "HoldTime": "9", "Timestamp": "5"},
         QueueAbandoned("c1", 9.0, 5.0)),
        ({"Event": "UserEvent", "UserEvent": "DialerGateFallback", "Uniqueid": "c1",
          "State": "OPEN"}, GateFellBack("c1", "OPEN")),
        ({"Event": "MixMonitorStop", "Uniqueid": "c1"}, RecordingStopped("c1")),
        ({"Event": "MixMonitorStop"}, None),
        ({"Event": "ContactStatus", "URI": "sip:seat01@127.0.0.1:5060", "AOR": "seat01",
          "ContactStatus": "Unreachable"}, ContactLost("seat01", "Unreachable")),
        ({"Event": "ContactStatus", "AOR": "seat01", "ContactStatus": "Reachable"}, None),
        ({"Event": "ContactStatus", "ContactStatus": "Unreachable"}, None),
        ({"Event": "PeerStatus", "Peer": "PJSIP/seat02", "PeerStatus": "Unreachable"},
         ContactLost("seat02", "Unreachable")),
        ({"Event": "PeerStatus", "Peer": "PJSIP/seat02", "PeerStatus": "Reachable"}, None),
        ({"Event": "PeerStatus", "Peer": "SIP/x", "PeerStatus": "Unreachable"}, None),
    ],
)
def test_translate(raw: dict[str, str], expected: object) -> None:
    assert translate(raw) == expected


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        (DialFacts().with_dial_end("ANSWER").with_hangup(16), DialOutcome.ANSWERED),
        # PJSIP 486: OriginateResponse says Reason 0, DialEnd and the cause say busy.
        (DialFacts().with_dial_end("BUSY").with_hangup(17).with_originate(False, 0),
         DialOutcome.BUSY),
        (DialFacts().with_hangup(17).with_originate(False, 0), DialOutcome.BUSY),
        # A ring-no-answer Originate timeout emits no DialEnd.
        (DialFacts().with_originate(False, 3), DialOutcome.NO_ANSWER),
        (DialFacts().with_dial_end("CHANUNAVAIL"), DialOutcome.UNREACHABLE),
        # A 404 Not Found: DialEnd says NOANSWER, the cause (1, unallocated) tells the truth.
        (DialFacts().with_dial_end("NOANSWER").with_hangup(1).with_originate(False, 0),
         DialOutcome.UNREACHABLE),
        (DialFacts().with_dial_end("NOANSWER").with_hangup(19), DialOutcome.NO_ANSWER),
        (DialFacts().with_hangup(1), DialOutcome.UNREACHABLE),
        (DialFacts().with_hangup(34), DialOutcome.CONGESTION),
        (DialFacts().with_originate(True, 4), DialOutcome.ANSWERED),
        (DialFacts().with_originate(False, 0), DialOutcome.FAILED),
        (DialFacts(), DialOutcome.FAILED),
    ],
)
def test_classify(facts: DialFacts, outcome: DialOutcome) -> None:
    assert classify(facts) is outcome


def test_settled_needs_both_the_end_and_the_originate_answer() -> None:
    assert not DialFacts().with_hangup(16).settled
    assert not DialFacts().with_originate(True, 4).settled
    assert DialFacts().with_originate(True, 4).with_hangup(16).settled
    assert DialFacts().with_hangup(19).with_originate(False, 3).settled
    # No channel could be created: nothing else will come.
    assert DialFacts().with_originate(False, 0, channel_created=False).settled
    # A 486: the Originate's failure can arrive before the channel's DialEnd and Hangup.
    busy = DialFacts().with_originate(False, 0, channel_created=True)
    assert not busy.settled
    assert busy.with_dial_end("BUSY").with_hangup(17).settled


def test_fold_follows_only_its_own_channel() -> None:
    facts = fold(DialFacts(), ChannelHungUp("other", 17), "mine")
    assert facts == DialFacts()
    facts = fold(facts, ChannelHungUp("mine", 17), "mine")
    assert facts.hangup_cause == 17


def test_originate_presents_the_dedicated_number_and_normalises_the_callee() -> None:
    request = originate_request("０９０−１２３４−５６７８", "0112110000", 25, "dialer-x")
    fields = originate_headers(request, "dialer-x")
    assert fields["Channel"] == "PJSIP/09012345678@pstn"
    assert fields["CallerID"] == '"0112110000" <0112110000>'
    assert fields["Timeout"] == "25000"
    assert fields["Variable"] == ["ATTEMPT_ID=dialer-x", "OPERATOR_CHANNEL="]
    assert (fields["Action"], fields["Async"], fields["ChannelId"]) == (
        "Originate", "true", "dialer-x")
    assert (fields["Context"], fields["Exten"], fields["Priority"]) == (
        "dialer-outbound", "answered", "1")


def test_answer_to_bridge_latency_uses_asterisk_timestamps() -> None:
    from tests.support.bridge_latency import answer_to_bridge_ms

    raws = [
        {"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "5", "Timestamp": "100.000"},
        {"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "6", "Timestamp": "100.250"},
        {"Event": "BridgeEnter", "Uniqueid": "other", "Timestamp": "100.260"},
        {"Event": "BridgeEnter", "Uniqueid": "c1", "Timestamp": "100.262"},
    ]
    events = [e for raw in raws if (e := translate(raw)) is not None]
    assert round(answer_to_bridge_ms(events, "c1") or 0, 3) == 12.0
    assert answer_to_bridge_ms(events[:1], "c1") is None


def test_translators_for_names_only_the_ami_events_a_subscriber_can_use() -> None:
    from dialer.adapters.ami_events import translators_for

    assert set(translators_for([ChannelHungUp, BridgeFailed, GateFellBack])) == {
        "hangup", "userevent"}
