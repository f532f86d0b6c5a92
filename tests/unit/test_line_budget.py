"""The trunk's line budget: the callback load measured over the window, the reserve Erlang B
sizes from it, the outbound room left, both pacing modes capped by it, and the trunk size for
both directions."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.domain.erlang import erlang_b
from dialer.domain.line_budget import (
    Holding,
    LinePolicy,
    Lines,
    callback_load,
    callback_reserve,
    lines_now,
    trunk_lines,
)
from dialer.domain.pacing import Decision, Mode, Policy, Snapshot, decide, within_lines
from tests.unit.test_pacing import snapshots, warm_estimates

HOUR = 3600.0
NOW = 10 * HOUR


@pytest.mark.parametrize(("holdings", "window_s", "erlangs"), [
    ([], HOUR, 0.0),
    ([Holding(NOW - 600, NOW - 300)], HOUR, 300 / HOUR),  # one call of 5 minutes
    ([Holding(NOW - 2 * HOUR, NOW - 1.5 * HOUR)], HOUR, 0.0),  # ended before the window
    ([Holding(NOW - HOUR - 100, NOW - HOUR + 200)], HOUR, 200 / HOUR),  # straddles its start
    ([Holding(NOW - 120)], HOUR, 120 / HOUR),  # still on a line: counted up to now
    ([Holding(NOW - 2 * HOUR)], HOUR, 1.0),  # on a line the whole window
    ([Holding(NOW - 60, NOW + 60)], HOUR, 60 / HOUR),  # nothing after now counts
    ([Holding(NOW - HOUR, NOW)] * 3, HOUR, 3.0),
    ([Holding(NOW - 900, NOW - 600)] * 4, 1800.0, 1200 / 1800),
], ids=["none", "one-call", "too-old", "straddles", "ongoing", "all-window", "future",
        "three-lines", "short-window"])
def test_callback_load_is_the_line_seconds_held_in_the_window(
        holdings: list[Holding], window_s: float, erlangs: float) -> None:
    assert callback_load(holdings, NOW, window_s) == pytest.approx(erlangs)


@pytest.mark.parametrize(("erlangs", "policy", "reserve"), [
    (0.0, LinePolicy(30), 2),  # no callbacks yet: the minimum
    (0.0, LinePolicy(30, reserve_min=0), 0),
    (0.05, LinePolicy(30, reserve_min=0), 3),  # B(2, .05) = 0.12% > 0.1% >= B(3, .05)
    (1.0, LinePolicy(30), 6),  # B(5, 1) = 0.31%, B(6, 1) = 0.05%
    (5.0, LinePolicy(30, blocking=0.01), 11),  # the classic table: 5 erlangs at 1% -> 11
    (5.0, LinePolicy(8), 8),  # more than the trunk has: every line
    (1.0, LinePolicy(30, reserve_min=9), 9),  # the minimum rules when larger
], ids=["idle", "idle-no-min", "light", "one-erlang", "table", "capped", "min-rules"])
def test_callback_reserve_is_erlang_b_within_the_minimum_and_the_trunk(
        erlangs: float, policy: LinePolicy, reserve: int) -> None:
    got = callback_reserve(erlangs, policy)
    assert got == reserve
    if policy.reserve_min < got < policy.max_lines:  # Erlang B decided: the fewest lines
        assert erlang_b(got, erlangs) <= policy.blocking < erlang_b(got - 1, erlangs)


@pytest.mark.parametrize(("lines", "cap", "room", "free"), [
    (Lines(6, 2, 0, 0, 0), 4, 4, 6),
    (Lines(6, 2, 4, 0, 0), 4, 0, 2),  # outbound at its cap: the reserve stays free
    (Lines(6, 2, 3, 1, 0), 4, 1, 2),  # callers inside the reserve do not cut outbound
    (Lines(6, 2, 2, 1, 2), 3, 1, 1),  # more callers than the reserve: each takes a line
    (Lines(6, 2, 4, 2, 1), 3, 0, 0),  # outbound over the new cap: nothing new
    (Lines(6, 6, 0, 0, 0), 0, 0, 6),  # the whole trunk reserved
    (Lines(6, 2, 0, 5, 3), 0, 0, 0),  # more callers than lines (the carrier refuses some)
], ids=["empty", "outbound-full", "caller-in-reserve", "callers-over-reserve",
        "over-cap", "all-reserved", "overfull"])
def test_outbound_room_keeps_the_reserve_and_counts_callbacks_on_lines(
        lines: Lines, cap: int, room: int, free: int) -> None:
    assert (lines.outbound_cap, lines.outbound_room, lines.free) == (cap, room, free)
    assert lines.outbound + lines.outbound_room <= lines.max_lines - lines.reserve \
        or lines.outbound_room == 0


def test_lines_now_counts_the_callbacks_on_lines_and_sizes_the_reserve() -> None:
    policy = LinePolicy(12, reserve_min=2, blocking=0.001)
    window = [Holding(NOW - 3000 + 60 * n, NOW - 2700 + 60 * n) for n in range(36)]  # 3 erl
    ongoing = [Holding(NOW - 30), Holding(NOW - 200), Holding(NOW - 10)]
    lines = lines_now(policy, window + ongoing, NOW, outbound=3, callbacks_talking=1)
    assert lines.callbacks_waiting == 2 and lines.callbacks_talking == 1
    assert lines.callback_erlangs == pytest.approx((36 * 300 + 240) / HOUR)
    assert lines.reserve == callback_reserve(lines.callback_erlangs, policy) == 10
    assert lines.outbound_cap == 2 and lines.outbound_room == 0


@pytest.mark.parametrize("bad", [dict(max_lines=0), dict(max_lines=4, reserve_min=5),
                                 dict(max_lines=4, blocking=0.0), dict(max_lines=4, blocking=1),
                                 dict(max_lines=4, window_s=0)])
def test_a_bad_line_policy_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LinePolicy(**bad)  # type: ignore[arg-type]


def test_the_trunk_for_both_directions() -> None:
    assert trunk_lines(20, 7) == 27
    assert trunk_lines(20, 1, reserve_min=2) == 22
    with pytest.raises(ValueError):
        trunk_lines(-1, 3)


# --- both pacing modes obey the budget ---------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(snapshots(), st.integers(0, 8), st.sampled_from([Mode.PROGRESSIVE, Mode.PREDICTIVE]))
def test_no_pacing_mode_places_more_calls_than_the_line_room(snap: Snapshot, room: int,
                                                            mode: Mode) -> None:
    policy = Policy(mode=mode, min_operators=1, min_samples=0)
    decision = decide(dataclasses.replace(snap, line_room=room), warm_estimates(), policy)
    assert decision.place <= room and decision.reservable <= decision.place


def test_a_predictive_decision_is_capped_by_the_lines() -> None:
    snap = Snapshot(now=HOUR, idle=20)
    policy = Policy(mode=Mode.PREDICTIVE, min_operators=1, min_samples=0)
    free = decide(snap, warm_estimates(), policy)
    capped = decide(dataclasses.replace(snap, line_room=4), warm_estimates(), policy)
    assert free.place > 4 and free.mode is Mode.PREDICTIVE
    assert capped.place == 4 and capped.reason.endswith("line budget")
    assert decide(dataclasses.replace(snap, line_room=0), warm_estimates()).place == 0


def test_within_lines_leaves_a_decision_inside_the_room_alone() -> None:
    decision = Decision(3, 3, Mode.PROGRESSIVE, "progressive")
    assert within_lines(decision, 5) is decision and within_lines(decision, None) is decision
    assert within_lines(decision, 1) == Decision(1, 1, Mode.PROGRESSIVE,
                                                 "progressive; line budget")


def test_a_negative_line_room_is_refused() -> None:
    with pytest.raises(ValueError):
        Snapshot(now=0.0, idle=1, line_room=-1)
