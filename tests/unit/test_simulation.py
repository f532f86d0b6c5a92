"""The dialing-session simulation and `dialer simulate`: same pacing code, seeded, and the
pacing targets of issue 5 on short runs (the 4-hour figures: tests/bench/bench_pacing.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.cli import main
from dialer.domain.pacing import Mode, Policy
from dialer.domain.simulation import Workload, simulate

PREDICTIVE = Policy(mode=Mode.PREDICTIVE)


def workload(operators: int, hours: float = 1.0, seed: int = 1,
             warmup_s: float = 0.0) -> Workload:
    return Workload(operators=operators, answer_rate=0.3, talk_mean_s=150.0, wrap_mean_s=30.0,
                    ring_max_s=30.0, hours=hours, seed=seed, warmup_s=warmup_s)


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 12), st.floats(0.05, 1.0), st.floats(20, 300), st.floats(0, 60),
       st.integers(0, 10_000))
def test_progressive_never_abandons_a_call(operators: int, answer_rate: float, talk: float,
                                           wrap: float, seed: int) -> None:
    work = Workload(operators=operators, answer_rate=answer_rate, talk_mean_s=talk,
                    wrap_mean_s=wrap, hours=0.25, seed=seed)
    result = simulate(work, Policy())
    assert result.abandoned == 0 and result.abandon_rate == 0.0
    assert result.dials >= operators
    assert 0.0 <= result.talk_share <= result.occupancy <= 1.0


def test_a_seed_gives_one_result_and_another_seed_another() -> None:
    first = simulate(workload(10, hours=0.3), PREDICTIVE)
    assert simulate(workload(10, hours=0.3), PREDICTIVE) == first
    assert simulate(workload(10, hours=0.3, seed=2), PREDICTIVE) != first


def test_the_figures_agree_with_each_other() -> None:
    r = simulate(workload(10, hours=0.3), PREDICTIVE)
    assert r.talk_min_per_hour == pytest.approx(r.talk_share * 60)
    assert r.abandon_rate == pytest.approx(r.abandoned / r.answered)
    assert r.silence_s == 2.0 * r.abandoned
    assert 0.2 < r.answered / r.dials < 0.4  # the answer rate, give or take


@pytest.mark.parametrize("operators", [5, 10])
def test_predictive_is_no_worse_than_progressive_for_small_teams(operators: int) -> None:
    work = workload(operators)
    assert simulate(work, PREDICTIVE).occupancy >= simulate(work, Policy()).occupancy


def test_predictive_reaches_88_percent_occupancy_for_20_operators_within_3_percent() -> None:
    """Seeded, steady state: the first 30 minutes (cold estimates) are not counted."""
    r = simulate(workload(20, hours=1.5, warmup_s=1800), Policy(Mode.PREDICTIVE,
                                                                abandon_cap=0.05))
    assert r.occupancy >= 0.88
    assert r.abandon_rate <= 0.03
    assert r.predictive_share > 0.9


def test_abandoned_targets_are_retried_with_a_reserved_operator() -> None:
    r = simulate(workload(20, hours=0.3), Policy(Mode.PREDICTIVE, abandon_cap=0.1))
    assert r.abandoned > 0
    assert r.reserved_retries > 0


@pytest.mark.parametrize("bad", [{"operators": 0}, {"answer_rate": 0.0}, {"ring_max_s": 3.0},
                                 {"hours": 0.0}, {"warmup_s": 3600.0}])
def test_impossible_workloads_are_refused(bad: dict[str, float]) -> None:
    base = {"operators": 5, "answer_rate": 0.3, "talk_mean_s": 150.0, "wrap_mean_s": 30.0,
            "ring_max_s": 30.0, "hours": 1.0}
    with pytest.raises(ValueError):
        Workload(**{**base, **bad})  # type: ignore[arg-type]


def test_dialer_simulate_json_has_the_agreed_keys(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "--operators", "10", "--answer-rate", "0.3", "--talk-mean", "150",
            "--wrap-mean", "30", "--ring-max", "30", "--hours", "0.5", "--seed", "3",
            "--mode", "predictive", "--abandon-cap", "2%", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"occupancy", "abandon_rate", "talk_min_per_hour", "dials"} <= data.keys()
    expected = simulate(Workload(10, 0.3, 150.0, 30.0, 30.0, 0.5, 3),
                        Policy(Mode.PREDICTIVE, abandon_cap=0.02))
    assert data["occupancy"] == expected.occupancy and data["dials"] == expected.dials
    assert data["abandon_cap"] == 0.02


def test_dialer_simulate_prints_a_readable_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--operators", "5", "--hours", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "5 operators, progressive" in out
    assert "abandon rate" in out and " 0.00%  (0 of " in out


def test_dialer_simulate_refuses_nonsense(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--operators", "0"]) == 2
    assert "operator" in capsys.readouterr().err
