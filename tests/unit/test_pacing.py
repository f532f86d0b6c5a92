"""Pacing: progressive never outruns its free operators, inbound callers come first, predictive
dials ahead only within its limits and falls back to progressive when it must."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.domain.attempt import ABANDONED
from dialer.domain.estimates import Estimates
from dialer.domain.pacing import (
    Decision,
    Mode,
    Policy,
    Snapshot,
    calls_within_risk,
    decide,
    expected_excess,
    progressive_calls,
    requires_reserved_operator,
    still_answers,
)

PREDICTIVE = Policy(mode=Mode.PREDICTIVE)
PREDICTIVE_3 = Policy(mode=Mode.PREDICTIVE, abandon_cap=0.03)


def warm_estimates(abandoned: int = 0, answered: int = 0) -> Estimates:
    """Estimates after a morning of dialing: 40 answers after 3-23 s, 60 failures."""
    est = Estimates()
    for i in range(40):
        est = est.dial_ended(True, 3.0 + i / 2)
        est = est.talk_ended(60.0 + 6 * i).wrap_ended(10.0 + i)
    for i in range(60):
        est = est.dial_ended(False, 30.0 if i % 4 else 3.0)
    for i in range(answered):
        est = est.answered(float(i), abandoned=i < abandoned, risk=0.005)
    return est


durations = st.lists(st.floats(0, 600), max_size=25).map(tuple)
NO_INBOUND = st.just(0)


@st.composite
def snapshots(draw: st.DrawFn, inbound: st.SearchStrategy[int] = NO_INBOUND) -> Snapshot:
    idle = draw(st.integers(0, 30))
    return Snapshot(now=3600.0, idle=idle, reserved=draw(st.integers(0, idle)),
                    wrapping=draw(durations), talking=draw(durations),
                    ringing=draw(st.lists(st.floats(0, 40), max_size=40).map(tuple)),
                    inbound_waiting=draw(inbound), paused=draw(st.integers(0, 3)))


@settings(max_examples=100, deadline=None)
@given(snapshots())
def test_progressive_never_has_more_calls_in_flight_than_free_operators(snap: Snapshot) -> None:
    decision = decide(snap, warm_estimates())
    assert decision.mode is Mode.PROGRESSIVE
    assert decision.place + len(snap.ringing) <= max(snap.free, len(snap.ringing))
    assert decision.place == max(0, snap.free - len(snap.ringing))
    assert decision.reservable == decision.place  # every call gets its operator


@settings(max_examples=80, deadline=None)
@given(snapshots(inbound=st.integers(1, 5)), st.sampled_from(list(Mode)))
def test_no_call_is_placed_while_inbound_callers_wait(snap: Snapshot, mode: Mode) -> None:
    decision = decide(snap, warm_estimates(), Policy(mode=mode))
    assert decision.place == 0
    assert decision.reason == "inbound callers waiting"


@settings(max_examples=80, deadline=None)
@given(snapshots())
def test_predictive_never_places_fewer_calls_than_progressive(snap: Snapshot) -> None:
    decision = decide(snap, warm_estimates(), PREDICTIVE)
    assert decision.place >= progressive_calls(snap)
    assert 0 <= decision.reservable <= decision.place
    assert decision.reservable == progressive_calls(snap)


@settings(max_examples=100, deadline=None)
@given(snapshots(), st.floats(0.0, 0.2), st.floats(0.0, 0.2))
def test_a_larger_allowed_risk_never_places_fewer_calls(snap: Snapshot, a: float,
                                                         b: float) -> None:
    est = warm_estimates()
    low, high = sorted((a, b))
    assert calls_within_risk(snap, est, low, 300) <= calls_within_risk(snap, est, high, 300)


def busy_floor() -> Snapshot:
    """20 operators: 2 free, 6 in wrap-up, 12 talking, 3 calls ringing."""
    return Snapshot(now=3600.0, idle=2, wrapping=(5.0, 10.0, 20.0, 25.0, 30.0, 35.0),
                    talking=tuple(float(10 * i) for i in range(12)), ringing=(2.0, 4.0, 25.0))


def test_predictive_dials_ahead_of_the_free_operators_on_a_busy_floor() -> None:
    snap = busy_floor()
    decision = decide(snap, warm_estimates(), PREDICTIVE_3)
    assert progressive_calls(snap) == 0
    assert decision == Decision(decision.place, 0, Mode.PREDICTIVE, "predictive", decision.risk)
    assert decision.place >= 3
    # no evidence yet: the forecast is assumed 3x optimistic, and half the cap is aimed at
    assert decision.risk == pytest.approx(0.03 * 0.5 / 3)


def test_predictive_holds_back_when_enough_calls_are_ringing() -> None:
    crowded = Snapshot(now=3600.0, idle=2, wrapping=busy_floor().wrapping,
                       talking=busy_floor().talking, ringing=(1.0,) * 10)
    assert decide(crowded, warm_estimates(), PREDICTIVE_3).place == 0


def test_a_lower_cap_dials_less_ahead() -> None:
    est = warm_estimates()
    assert decide(busy_floor(), est, PREDICTIVE).place < decide(busy_floor(), est,
                                                                PREDICTIVE_3).place


@pytest.mark.parametrize(("snap", "est", "reason"), [
    (Snapshot(now=0.0, idle=2, talking=(5.0, 6.0)), warm_estimates(),
     "fewer than 5 operators logged in"),
    (busy_floor(), Estimates(), "estimates warming up"),
    (busy_floor(), warm_estimates(abandoned=1, answered=100), "abandonment cap threatened"),
])
def test_predictive_falls_back_to_progressive(snap: Snapshot, est: Estimates,
                                              reason: str) -> None:
    decision = decide(snap, est, PREDICTIVE)
    assert (decision.mode, decision.reason) == (Mode.PROGRESSIVE, reason)
    assert decision.place == progressive_calls(snap) == decision.reservable


def test_abandons_in_the_window_ease_the_risk_before_the_cap_is_reached() -> None:
    calm = decide(busy_floor(), warm_estimates(abandoned=0, answered=400), PREDICTIVE_3)
    worried = decide(busy_floor(), warm_estimates(abandoned=9, answered=400), PREDICTIVE_3)
    assert worried.mode is Mode.PREDICTIVE
    assert worried.risk < calm.risk
    assert worried.place <= calm.place


def test_an_abandoned_target_is_retried_only_with_an_operator_reserved() -> None:
    assert requires_reserved_operator(["BUSY", ABANDONED, "NO ANSWER"])
    assert not requires_reserved_operator(["BUSY", "NO ANSWER"])
    assert not requires_reserved_operator([])


def test_a_call_ringing_longer_is_less_likely_to_be_answered() -> None:
    est = warm_estimates()
    assert still_answers(0.0, est) == pytest.approx(est.answer_rate.value)
    # past the quick failures (busy after 3 s) a ringing call is a better bet ...
    assert still_answers(5.0, est) > still_answers(0.0, est)
    # ... then less and less likely to be answered
    chances = [still_answers(t, est) for t in (5.0, 15.0, 22.0, 29.0)]
    assert chances == sorted(chances, reverse=True)
    assert still_answers(24.0, est) == 0.0  # no measured answer came after 22.5 s


@given(st.floats(-20, 20), st.floats(0, 50))
def test_expected_excess_is_non_negative_and_grows_with_the_mean(mean: float,
                                                                 var: float) -> None:
    assert 0.0 <= expected_excess(mean, var) <= expected_excess(mean + 1, var)
    assert expected_excess(mean, var) >= mean


@pytest.mark.parametrize("bad", [{"idle": -1}, {"idle": 1, "reserved": 2},
                                 {"idle": 0, "inbound_waiting": -1}])
def test_impossible_snapshots_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Snapshot(now=0.0, **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [{"abandon_cap": 1.5}, {"calm": 1.0}, {"prior_bias": 0.0},
                                 {"min_operators": 0}, {"target_share": 0.0}])
def test_impossible_policies_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Policy(**bad)  # type: ignore[arg-type]


def test_a_zero_cap_means_never_dialing_ahead() -> None:
    decision = decide(busy_floor(), warm_estimates(), Policy(Mode.PREDICTIVE, abandon_cap=0.0))
    assert decision.mode is Mode.PROGRESSIVE and decision.place == 0
