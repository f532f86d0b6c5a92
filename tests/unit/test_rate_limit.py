"""The carrier's calls-per-second limit (token bucket), driven by an injected clock."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer import config
from dialer.config import ConfigError
from dialer.domain.rate_limit import RateLimitError, TokenBucket


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def drain(bucket: TokenBucket, clock: FakeClock, seconds: float, step: float
          ) -> tuple[TokenBucket, list[float]]:
    """Ask for a token every ``step`` seconds for ``seconds``; the instants a call left."""
    sent: list[float] = []
    end = clock.now + seconds
    while clock.now < end - 1e-12:
        bucket, ok = bucket.take(clock.now)
        if ok:
            sent.append(clock.now)
        clock.now += step
    return bucket, sent


def test_a_new_bucket_lets_one_call_out_then_spaces_them_at_the_rate() -> None:
    clock = FakeClock()
    bucket, ok = TokenBucket(5.0).take(clock())
    assert ok
    bucket, ok = bucket.take(clock())
    assert not ok
    assert bucket.wait_s(clock()) == pytest.approx(0.2)
    clock.now += 0.1
    assert not bucket.available(clock())
    clock.now += 0.1
    bucket, ok = bucket.take(clock())
    assert ok


def test_asking_often_never_beats_the_rate() -> None:
    clock = FakeClock()
    _bucket, sent = drain(TokenBucket(5.0), clock, seconds=10.1, step=0.001)
    assert len(sent) == 51  # 1 at t=0, then one every 0.2 s: 0.2 ... 10.0
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) == pytest.approx(0.2, abs=0.0015)


def test_asking_at_tick_boundaries_reaches_the_rate() -> None:
    """The runner asks once per tick, and again as soon as the next token is due."""
    clock = FakeClock()
    bucket, sent = TokenBucket(4.0), []
    while clock.now < 1010.1:
        bucket, ok = bucket.take(clock())
        if ok:
            sent.append(clock())
        clock.now += min(0.25, bucket.wait_s(clock())) or 0.25
    assert len(sent) == 41  # the one at t=0, then 4 a second for 10 s
    assert sent[-1] == pytest.approx(1010.0)


def test_idle_time_does_not_pile_up_beyond_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.0, burst=3.0).refilled(clock())
    clock.now += 3600.0
    sent = 0
    while True:
        bucket, ok = bucket.take(clock())
        if not ok:
            break
        sent += 1
    assert sent == 3


def test_a_clock_going_backwards_adds_nothing() -> None:
    bucket, _ = TokenBucket(1.0).take(100.0)
    bucket = bucket.refilled(50.0)
    assert bucket.tokens == 0.0 and bucket.at == 100.0
    assert not bucket.available(100.5)
    assert bucket.available(101.0)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1.0), (-1.0, 1.0), (math.nan, 1.0),
                                             (math.inf, 1.0), (1.0, 0.5), (1.0, math.inf)])
def test_impossible_buckets_are_refused(rate: float, burst: float) -> None:
    with pytest.raises(RateLimitError):
        TokenBucket(rate, burst=burst)


@given(rate=st.floats(0.1, 50.0), burst=st.floats(1.0, 5.0),
       steps=st.lists(st.floats(0.0, 0.5), min_size=1, max_size=300))
def test_any_window_holds_at_most_burst_plus_rate_times_its_length(
        rate: float, burst: float, steps: list[float]) -> None:
    bucket, now, sent = TokenBucket(rate, burst=burst), 0.0, []
    for step in steps:
        now += step
        bucket, ok = bucket.take(now)
        if ok:
            sent.append(now)
    for i, start in enumerate(sent):
        for j in range(i, len(sent)):
            assert j - i + 1 <= burst + rate * (sent[j] - start) + 1e-6


def test_the_carrier_limit_is_read_from_the_trunk_section(tmp_path: Path) -> None:
    assert config.load(None).trunk.max_calls_per_s == 5.0
    path = tmp_path / "dialer.toml"
    path.write_text("[trunk]\nmax_calls_per_s = 2\n")
    assert config.load(path).trunk.max_calls_per_s == 2.0


@pytest.mark.parametrize("value", ["0", "-1.5", "nan", "inf", "1001", '"fast"'])
def test_an_impossible_carrier_limit_is_refused(tmp_path: Path, value: str) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text(f"[trunk]\nmax_calls_per_s = {value}\n")
    with pytest.raises(ConfigError, match=r"trunk\.max_calls_per_s"):
        config.load(path)
