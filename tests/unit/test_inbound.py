"""An inbound call's record, folded from the AMI's events as the adapter types them (any
unknown event changes nothing)."""

from __future__ import annotations

from dialer.adapters.ami_events import translate
from dialer.domain.inbound import InboundCall, InboundEnd, observe, summarize, vanished


def fold(events: list[dict[str, str]]) -> InboundCall:
    call = InboundCall("c1", 100.0)
    for raw in events:
        if (event := translate({**raw, "Uniqueid": "c1"})) is not None:
            call = observe(call, event)
    return call


def test_a_caller_who_waits_and_is_connected() -> None:
    call = fold([
        {"Event": "QueueCallerJoin", "Position": "2", "Timestamp": "101.0"},
        {"Event": "Newexten", "Application": "Queue"},
        {"Event": "AgentConnect", "MemberName": "seat03", "HoldTime": "42"},
        {"Event": "Hangup", "Timestamp": "300.0"},
    ])
    assert (call.end, call.position, call.wait_s, call.operator_seat) == (
        InboundEnd.CONNECTED, 2, 42.0, "seat03")
    assert call.ended_at == 300.0


def test_message_abandon_and_lost() -> None:
    message = fold([{"Event": "Newexten", "Application": "Playback",
                     "AppData": "/var/lib/dialer/sounds/out_of_hours"}, {"Event": "Hangup"}])
    assert (message.end, message.message) == (InboundEnd.MESSAGE, "out_of_hours")
    abandoned = fold([{"Event": "QueueCallerJoin", "Position": "1"},
                      {"Event": "QueueCallerAbandon", "HoldTime": "7"}, {"Event": "Hangup"}])
    assert (abandoned.end, abandoned.wait_s) == (InboundEnd.ABANDONED, 7.0)
    assert fold([{"Event": "Hangup"}]).end is InboundEnd.LOST
    fallback = fold([{"Event": "UserEvent", "UserEvent": "DialerGateFallback",
                      "State": "OUT_OF_PERIOD"}])
    assert fallback.fallback and fallback.gate_state == "OUT_OF_PERIOD"


def test_garbage_is_ignored() -> None:
    call = fold([{"Event": "QueueCallerJoin", "Position": "x", "Timestamp": "nan?"},
                 {"Event": "Bogus"}, {}])
    assert call.position is None and call.end is InboundEnd.ONGOING


def test_summary() -> None:
    calls = [fold([{"Event": "QueueCallerJoin", "Position": "1"}]),
             fold([{"Event": "AgentConnect", "HoldTime": "30"}]),
             fold([{"Event": "QueueCallerAbandon", "HoldTime": "90"}])]
    summary = summarize(calls)
    assert (summary.received, summary.connected, summary.abandoned, summary.waiting_now,
            summary.longest_wait_s) == (3, 1, 1, 1, 90.0)


def test_a_call_whose_channel_vanished_unseen_ends_as_a_hangup_would_have() -> None:
    waiting = fold([{"Event": "QueueCallerJoin", "Position": "1", "Timestamp": "110.0"}])
    gone = vanished(waiting, 140.0)
    assert (gone.end, gone.wait_s, gone.ended_at) == (InboundEnd.ABANDONED, 30.0, 140.0)
    heard = fold([{"Event": "Newexten", "Application": "Playback", "AppData": "/s/congestion"}])
    assert vanished(heard, 140.0).end is InboundEnd.MESSAGE
    assert vanished(fold([]), 140.0).end is InboundEnd.LOST
    talked = fold([{"Event": "AgentConnect", "MemberName": "seat01", "HoldTime": "5"}])
    assert (vanished(talked, 140.0).end, vanished(talked, 140.0).wait_s) == (
        InboundEnd.CONNECTED, 5.0)
    ended = fold([{"Event": "Hangup", "Timestamp": "120.0"}])
    assert vanished(ended, 140.0) is ended  # an ended call never changes
    assert summarize([gone]).waiting_now == 0
