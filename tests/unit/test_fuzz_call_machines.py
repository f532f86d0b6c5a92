"""The call state machines under random, reordered and garbage event sequences (issue #12).

- the attempt machine (``dialer.domain.attempt.step``) never raises, never leaves a final phase,
  releases the reserved operator exactly once, and its commands are moves the operator machine
  accepts (as the campaign runner applies them);
- the inbound record (``dialer.domain.inbound.observe``) and its tracker never raise, and a call
  that hung up is final;
- every operator move either applies or raises ``OperatorMoveError``, as its table says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.adapters.ami_events import translate
from dialer.domain import operators
from dialer.domain.attempt import (
    ABANDONED,
    FINAL_PHASES,
    Attempt,
    OperatorFree,
    OperatorWrapUp,
    Phase,
    RecordOutcome,
    step,
)
from dialer.domain.call_events import (
    AsteriskBooted,
    AsteriskShutdown,
    BridgeFailed,
    CallEvent,
    ChannelAnswered,
    ChannelBridged,
    ChannelGone,
    ChannelHungUp,
    DialEnded,
    OriginateFinished,
    QueueConnected,
)
from dialer.domain.dial_outcome import DialOutcome
from dialer.domain.inbound import InboundCall, InboundEnd, observe
from dialer.domain.operators import ALLOWED, Operator, OperatorMoveError, SeatState
from dialer.services.callbacks.tracker import InboundTracker
from tests.unit.test_fuzz_ami import ODD_VALUES, event_names, raw_events

ID = "att-1"
channel = st.sampled_from([ID, ID, ID, "other", ""])
small_ints = st.one_of(st.sampled_from([0, 3, 4, 5, 8, 16, 17, 19, 21, 34, 127]),
                       st.integers(-(2**31), 2**31))
statuses = st.one_of(st.sampled_from(["ANSWER", "BUSY", "NOANSWER", "CANCEL", "CONGESTION",
                                      "CHANUNAVAIL", "answer", ""]), st.text(max_size=10))
domain_events: st.SearchStrategy[CallEvent] = st.one_of(
    st.builds(DialEnded, channel, statuses),
    st.builds(ChannelHungUp, channel, small_ints),
    st.builds(ChannelAnswered, channel),
    st.builds(OriginateFinished, channel, st.booleans(), small_ints, st.booleans()),
    st.builds(ChannelBridged, channel),
    st.builds(BridgeFailed, channel, st.text(max_size=12)),
    st.builds(ChannelGone, channel),
    st.builds(QueueConnected, channel, st.text(max_size=8), st.text(max_size=8)),
    st.just(AsteriskBooted()), st.just(AsteriskShutdown()),
)


@st.composite
def translated(draw: st.DrawFn) -> CallEvent | None:
    """What the translator makes of a random raw event about our channel (or another)."""
    raw = draw(raw_events())
    for key in ("Uniqueid", "DestUniqueid", "ChannelId"):
        if key in raw and draw(st.booleans()):
            raw[key] = draw(channel)
    return translate(raw)


events = st.lists(st.one_of(domain_events, translated()), max_size=14)
recovered_phases = st.sampled_from([Phase.DIALING, Phase.ANSWERED, Phase.CONNECTED])


@dataclass
class Seat:
    """The reserved operator, moved as ``CampaignRunner`` moves it for this attempt."""

    op: Operator

    def follow(self, before: Phase, after: Phase, commands: tuple[object, ...]) -> None:
        now = datetime(2027, 1, 12, 10, tzinfo=UTC)
        if after is Phase.CONNECTED and before is not after and \
                self.op.state is SeatState.RESERVED:
            self.op = operators.bridged(self.op, now)
        for command in commands:
            if isinstance(command, OperatorFree):
                self.op = operators.release(self.op, now)
            elif isinstance(command, OperatorWrapUp):
                self.op = operators.talk_ended(self.op, now)


def reserved_operator() -> Operator:
    now = datetime(2027, 1, 12, 9, tzinfo=UTC)
    return operators.reserve(operators.connect(Operator(1, "op1", "seat01"), "PJSIP/x", now),
                             ID, now)


@settings(max_examples=800, deadline=timedelta(milliseconds=500), derandomize=True)
@given(events, recovered_phases)
def test_any_event_sequence_leaves_a_possible_attempt(sequence: list[CallEvent | None],
                                                      start: Phase) -> None:
    attempt = Attempt(ID, phase=start)
    seat = Seat(reserved_operator())
    if start is Phase.CONNECTED:
        seat.op = operators.bridged(seat.op, datetime(2027, 1, 12, 9, tzinfo=UTC))
    commands: list[object] = []
    final_at: Phase | None = None
    for event in sequence:
        if event is None:
            continue
        before = attempt.phase
        attempt, produced = step(attempt, event)  # never raises
        assert attempt.id == ID and attempt.phase in Phase
        seat.follow(before, attempt.phase, produced)  # an impossible operator move raises
        commands.extend(produced)
        if final_at is not None:
            assert attempt.phase is final_at and produced == (), "a final phase moved"
        elif attempt.phase in FINAL_PHASES:
            final_at = attempt.phase
        if getattr(event, "channel_id", None) == ID:
            if isinstance(event, ChannelGone):
                assert attempt.phase in FINAL_PHASES, "ChannelGone ends every attempt"
            if isinstance(event, ChannelHungUp) and before in (Phase.ANSWERED, Phase.CONNECTED):
                assert attempt.phase in FINAL_PHASES, f"a hangup while {before} ends it"
    releases = [c for c in commands if isinstance(c, OperatorFree | OperatorWrapUp)]
    outcomes = [c for c in commands if isinstance(c, RecordOutcome)]
    assert len(releases) == (1 if attempt.phase in FINAL_PHASES else 0)
    assert len(outcomes) == (1 if attempt.phase is Phase.DONE else 0)
    for outcome in outcomes:
        assert outcome.outcome == ABANDONED or outcome.outcome in set(DialOutcome)
    expected_seat = {Phase.DONE: SeatState.READY, Phase.WRAP_UP: SeatState.WRAP_UP}
    if attempt.phase in expected_seat:
        assert seat.op.state is expected_seat[attempt.phase]


@settings(max_examples=400, deadline=timedelta(milliseconds=500), derandomize=True)
@given(events, st.integers(0, 14), st.integers(0, 14), small_ints, st.booleans())
def test_a_dial_that_hung_up_and_was_answered_by_the_originate_is_final(
        sequence: list[CallEvent | None], at_hangup: int, at_originate: int, cause: int,
        success: bool) -> None:
    """Asterisk's own ordering varies only in where the OriginateResponse falls; whatever else
    comes, once both a hangup and the Originate's answer are in, the attempt is over."""
    rest = [e for e in sequence if e is not None]
    rest.insert(min(at_hangup, len(rest)), ChannelHungUp(ID, cause))
    rest.insert(min(at_originate, len(rest)), OriginateFinished(ID, success, 0, True))
    attempt = Attempt(ID, phase=Phase.DIALING)
    for event in rest:
        attempt, _ = step(attempt, event)
    assert attempt.phase in FINAL_PHASES


def test_a_bridge_failure_after_the_bridge_does_not_end_the_talk() -> None:
    """Found by the fuzzer: a BridgeFailed for a CONNECTED attempt sent it to DONE with
    OperatorFree while its operator was on the call (an impossible operator move)."""
    attempt, commands = step(Attempt(ID, phase=Phase.CONNECTED), BridgeFailed(ID, "FAILURE"))
    assert attempt.phase is Phase.CONNECTED and commands == ()
    attempt, commands = step(attempt, ChannelHungUp(ID, 16))
    assert attempt.phase is Phase.WRAP_UP and commands == (OperatorWrapUp(),)


# --- inbound calls --------------------------------------------------------------------------

INBOUND_EVENTS = ("UserEvent", "Newexten", "QueueCallerJoin", "AgentConnect",
                  "QueueCallerAbandon", "Hangup", "VarSet")


INBOUND_KEYS = ("UserEvent", "State", "Application", "AppData", "Timestamp", "Position",
                "MemberName", "HoldTime", "Context")
inbound_values = st.one_of(st.sampled_from((*ODD_VALUES, "12.5", "DialerGateFallback")),
                           st.text(max_size=12))


@st.composite
def inbound_raw(draw: st.DrawFn) -> dict[str, str]:
    """An event as the dedicated number's calls see them: their names, fields of any value."""
    raw = draw(st.dictionaries(st.sampled_from(INBOUND_KEYS), inbound_values, max_size=4))
    raw["Event"] = draw(st.one_of(st.sampled_from(INBOUND_EVENTS), event_names))
    return raw


@settings(max_examples=250, deadline=timedelta(milliseconds=500), derandomize=True)
@given(st.lists(inbound_raw(), max_size=12))
def test_observe_never_raises_and_a_hung_up_call_is_final(sequence: list[dict[str, str]]
                                                         ) -> None:
    call = InboundCall("c1", 100.0)
    ended: InboundCall | None = None
    for raw in sequence:
        event = translate({**raw, "Uniqueid": "c1"})
        if event is None:
            continue
        call = observe(call, event)
        assert call.end in InboundEnd and call.channel_id == "c1"
        if ended is not None:
            assert call == ended, "a call that hung up changed afterwards"
        elif raw.get("Event") == "Hangup":
            assert call.end is not InboundEnd.ONGOING and call.ended_at is not None
            ended = call


@settings(max_examples=200, deadline=timedelta(milliseconds=500), derandomize=True)
@given(st.lists(st.tuples(inbound_raw(), st.sampled_from(["c1", "c2", ""]), st.booleans()),
                max_size=12))
def test_the_inbound_tracker_survives_any_stream(
        sequence: list[tuple[dict[str, str], str, bool]]) -> None:
    tracker = InboundTracker()
    for raw, uniqueid, first_step in sequence:
        raw["Uniqueid"] = uniqueid
        if first_step:  # the call's first dialplan step: the tracker starts following it
            raw |= {"Event": "Newexten", "Context": "callback"}
        if (event := translate(raw)) is not None:
            tracker.handle(event)
        tracker.summary()
    recorded = []
    while not tracker.ended.empty():
        recorded.append(tracker.ended.get_nowait().channel_id)
    assert len(recorded) == len(set(recorded)), "a call was recorded as ended twice"


def test_a_garbage_timestamp_on_a_new_call_is_not_fatal() -> None:
    """Found by the fuzzer: ``float("abc")`` on the first event of a call raised out of the
    tracker, whose loop is the one consuming the AMI subscription."""
    tracker = InboundTracker()
    event = translate({"Event": "Newexten", "Context": "callback", "Uniqueid": "c1",
                       "Timestamp": "abc"})
    assert event is not None
    tracker.handle(event)
    assert tracker.calls["c1"].started == 0.0


# --- operators ------------------------------------------------------------------------------

NOW = datetime(2027, 1, 12, 9, tzinfo=UTC)
MOVES = {
    "connect": lambda op, s: operators.connect(op, s, NOW),
    "reserve": lambda op, s: operators.reserve(op, s, NOW),
    "bridged": lambda op, s: operators.bridged(op, NOW),
    "took_call": lambda op, s: operators.took_call(op, s, NOW),
    "release": lambda op, s: operators.release(op, NOW),
    "talk_ended": lambda op, s: operators.talk_ended(op, NOW),
    "result_saved": lambda op, s: operators.result_saved(op, NOW),
    "pause": lambda op, s: operators.pause(op, s, NOW),
    "resume": lambda op, s: operators.resume(op, NOW),
    "disconnect": lambda op, s: operators.disconnect(op, NOW),
}
HOLDS_A_CALL = {SeatState.RESERVED, SeatState.ON_CALL, SeatState.WRAP_UP}


@settings(max_examples=500, deadline=timedelta(milliseconds=500), derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(sorted(MOVES)), st.text(max_size=10)), max_size=20),
       st.sampled_from(list(SeatState)))
def test_operator_moves_apply_or_raise_operator_move_error_only(
        moves: list[tuple[str, str]], start: SeatState) -> None:
    op = Operator(1, "op1", "seat01", state=start,
                  attempt_id="att-0" if start in HOLDS_A_CALL else None)
    for move, argument in moves:
        before = op
        try:
            op = MOVES[move](op, argument)
        except OperatorMoveError:
            assert before.state not in ALLOWED[move]
            continue
        assert before.state in ALLOWED[move]
        assert op.state in SeatState and (op.user_id, op.login, op.seat) == (1, "op1", "seat01")
        if op.state in (SeatState.OFFLINE, SeatState.READY):
            assert op.attempt_id is None
        if op.state in HOLDS_A_CALL:
            assert op.attempt_id is not None


def test_an_answer_reported_after_the_hangup_still_ends_the_attempt() -> None:
    """Found by the fuzzer: Hangup, then a (stale) answer, then the Originate's answer left the
    attempt ANSWERED for ever, its operator reserved."""
    attempt = Attempt(ID, phase=Phase.DIALING)
    for event in (ChannelHungUp(ID, 16), ChannelAnswered(ID), OriginateFinished(ID, False, 0)):
        attempt, commands = step(attempt, event)
    assert attempt.phase is Phase.DONE and commands == (OperatorFree(), RecordOutcome(ABANDONED))


def test_events_after_an_inbound_hangup_change_nothing() -> None:
    """Found by the fuzzer: a queue event after the Hangup re-opened the ended record."""
    call = observe(InboundCall("c1", 100.0), {"Event": "Hangup", "Timestamp": "120"})
    assert observe(call, {"Event": "QueueCallerJoin", "Position": "1"}) == call
    assert observe(call, {"Event": "AgentConnect", "MemberName": "seat01"}) == call
