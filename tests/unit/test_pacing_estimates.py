"""The online estimators pacing reads: pure values, updated explicitly, no clock."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.domain.estimates import AbandonWindow, Durations, Estimates, Ratio, WindowCounts


def test_the_answer_rate_starts_at_its_prior_and_follows_the_calls() -> None:
    rate = Ratio(prior=0.3)
    assert rate.value == pytest.approx(0.3)
    for _ in range(200):
        rate = rate.observe(True)
    assert rate.value > 0.85
    for _ in range(2000):
        rate = rate.observe(False)
    assert rate.value < 0.05  # old observations are forgotten


def test_updates_return_new_values_and_leave_the_old_ones_alone() -> None:
    est = Estimates()
    later = est.dial_ended(True, 8.0).talk_ended(100.0).answered(5.0, abandoned=True)
    assert est.answer_delay.count == 0 and est.abandons.counts(5.0).answered == 0
    assert later.answer_delay.count == 1 and later.abandons.counts(5.0).abandoned == 1


@given(st.lists(st.floats(0, 1000), max_size=60), st.integers(1, 20))
def test_durations_keep_the_last_samples_sorted(samples: list[float], capacity: int) -> None:
    d = Durations(prior_mean=10.0, capacity=capacity)
    for x in samples:
        d = d.add(x)
    assert d.recent == tuple(samples[-capacity:]) if samples else d.recent == ()
    assert d.ordered == tuple(sorted(d.recent))


def test_with_few_samples_durations_are_read_as_exponential() -> None:
    d = Durations(prior_mean=30.0)
    assert d.mean == 30.0
    assert d.p_end_within(0.0, 30.0) == pytest.approx(1 - math.exp(-1))
    assert d.p_end_within(500.0, 30.0) == pytest.approx(1 - math.exp(-1))  # memoryless
    assert d.quantile(0.5) == pytest.approx(30.0 * math.log(2))


def test_with_enough_samples_durations_are_empirical_and_conditional() -> None:
    d = Durations(prior_mean=99.0)
    for x in range(1, 101):  # 1 .. 100 s
        d = d.add(float(x))
    assert d.mean == pytest.approx(50.5)
    assert d.survival(50.0) == pytest.approx(0.5)
    assert d.p_end_within(0.0, 10.0) == pytest.approx(0.10)
    assert d.p_end_within(50.0, 10.0) == pytest.approx(0.20)  # 10 of the 50 beyond 50 s
    assert d.end_curve(50.0, (10.0, 25.0, 50.0)) == pytest.approx([0.2, 0.5, 1.0])
    assert d.p_end_within(50.0, 0.0) == 0.0
    assert d.quantile(0.9) == 91.0


def test_beyond_the_measured_tail_durations_fall_back_to_an_exponential_tail() -> None:
    d = Durations(prior_mean=10.0)
    for x in range(1, 101):
        d = d.add(float(x))
    far = d.p_end_within(99.5, 10.0)
    assert 0.0 < far < 1.0


@given(st.lists(st.floats(0, 300), min_size=30, max_size=80), st.floats(0, 300),
       st.floats(0, 100), st.floats(0, 100))
def test_end_probabilities_are_probabilities_and_grow_with_the_horizon(
        samples: list[float], elapsed: float, h1: float, h2: float) -> None:
    d = Durations(prior_mean=60.0)
    for x in samples:
        d = d.add(x)
    short, long = sorted((h1, h2))
    assert 0.0 <= d.p_end_within(elapsed, short) <= d.p_end_within(elapsed, long) <= 1.0


def test_the_abandon_window_keeps_the_last_calls_only() -> None:
    w = AbandonWindow(max_calls=10, max_age_s=1e9)
    for i in range(10):
        w = w.record(float(i), abandoned=i < 2, risk=0.01)
    assert w.rate(10.0) == pytest.approx(0.2)
    for i in range(10, 12):
        w = w.record(float(i), abandoned=False)
    assert w.counts(12.0) == WindowCounts(answered=10, abandoned=0, expected=pytest.approx(0.08))


def test_the_abandon_window_forgets_calls_older_than_its_age() -> None:
    w = AbandonWindow(max_calls=1000, max_age_s=600.0)
    w = w.record(0.0, abandoned=True).record(500.0, abandoned=False)
    assert w.rate(550.0) == pytest.approx(0.5)
    assert w.rate(700.0) == 0.0  # the abandoned call is more than 10 minutes old
    assert w.counts(700.0).answered == 1
    assert AbandonWindow().rate(0.0) == 0.0
