"""AMI events -> domain events, and how a dial's facts are classified."""

from __future__ import annotations

import pytest

from dialer.adapters.ami_translate import translate
from dialer.domain.call_events import (
    AsteriskBooted,
    AsteriskShutdown,
    BridgeFailed,
    ChannelAnswered,
    ChannelBridged,
    ChannelHungUp,
    DialEnded,
    OriginateFinished,
)
from dialer.domain.dial_outcome import DialFacts, DialOutcome, classify
from dialer.services.calls.dial import fold, originate_fields


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
    facts = fold(DialFacts(), {"Event": "Hangup", "Uniqueid": "other", "Cause": "17"}, "mine")
    assert facts == DialFacts()
    facts = fold(facts, {"Event": "Hangup", "Uniqueid": "mine", "Cause": "17"}, "mine")
    assert facts.hangup_cause == 17


def test_originate_presents_the_dedicated_number_and_normalises_the_callee() -> None:
    fields = originate_fields("０９０−１２３４−５６７８", "0112110000", 25, "dialer-x")
    assert fields["Channel"] == "PJSIP/09012345678@pstn"
    assert fields["CallerID"] == '"0112110000" <0112110000>'
    assert fields["Timeout"] == "25000"
    assert fields["Variable"] == ["ATTEMPT_ID=dialer-x", "OPERATOR_CHANNEL="]


def test_answer_to_bridge_latency_uses_asterisk_timestamps() -> None:
    from tests.support.bridge_latency import answer_to_bridge_ms

    events = [
        {"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "5", "Timestamp": "100.000"},
        {"Event": "Newstate", "Uniqueid": "c1", "ChannelState": "6", "Timestamp": "100.250"},
        {"Event": "BridgeEnter", "Uniqueid": "other", "Timestamp": "100.260"},
        {"Event": "BridgeEnter", "Uniqueid": "c1", "Timestamp": "100.262"},
    ]
    assert round(answer_to_bridge_ms(events, "c1") or 0, 3) == 12.0
    assert answer_to_bridge_ms(events[:2], "c1") is None
