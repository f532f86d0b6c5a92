"""Erlang B / C against published tables, their invariants, and `dialer lines`."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.cli import main
from dialer.domain.erlang import (
    SizingError,
    erlang_b,
    erlang_c,
    lines_for_blocking,
    mean_wait_s,
    offered_load,
    size,
)


# Erlang B tables (e.g. the standard "Erlang B traffic table"): the load N lines carry at a
# grade of service of 0.1% / 1% / 5% blocking.
@pytest.mark.parametrize(("lines", "erlangs", "blocking"), [
    (10, 5.0, 0.0184),  # 5 E on 10 lines: 1.84%
    (5, 1.36, 0.01), (10, 4.46, 0.01), (20, 12.03, 0.01), (50, 37.90, 0.01),
    (100, 84.06, 0.01), (10, 3.09, 0.001), (10, 6.22, 0.05), (1, 0.0101, 0.01),
])
def test_erlang_b_agrees_with_the_published_tables(lines: int, erlangs: float,
                                                   blocking: float) -> None:
    assert erlang_b(lines, erlangs) == pytest.approx(blocking, rel=0.02)


def test_lines_for_the_standard_grade_of_service() -> None:
    assert lines_for_blocking(5.0, 0.01) == 11  # 10 lines would block 1.84%
    assert lines_for_blocking(12.03, 0.0101) == 20
    assert lines_for_blocking(0.0, 0.01) == 1  # a number has at least one line


@given(st.floats(0.0, 200.0), st.integers(0, 300))
def test_erlang_b_falls_with_more_lines_and_rises_with_more_load(erlangs: float,
                                                                 lines: int) -> None:
    b = erlang_b(lines, erlangs)
    assert 0.0 <= erlang_b(lines + 1, erlangs) <= b <= 1.0
    assert b <= erlang_b(lines, erlangs + 1.0)


@given(st.floats(0.01, 300.0), st.floats(0.0005, 0.5))
def test_lines_for_blocking_is_the_fewest_that_meet_the_target(erlangs: float,
                                                               target: float) -> None:
    n = lines_for_blocking(erlangs, target)
    assert erlang_b(n, erlangs) <= target < erlang_b(n - 1, erlangs)


def test_the_recursion_holds_for_thousands_of_lines() -> None:
    assert erlang_b(3000, 2900.0) == pytest.approx(erlang_b(3000, 2900.0))
    assert 0.0 < erlang_b(3000, 2900.0) < 0.05


# Erlang C: 1 E on 2 agents waits 1/3 of the time, 2 E on 3 agents 4/9; the call-centre
# textbook case of 10 E (100 calls per half hour, AHT 180 s) on 11..14 agents.
@pytest.mark.parametrize(("agents", "erlangs", "waits"), [
    (2, 1.0, 1 / 3), (3, 2.0, 4 / 9),
    (11, 10.0, 0.6821), (12, 10.0, 0.4494), (13, 10.0, 0.2853), (14, 10.0, 0.1741),
])
def test_erlang_c_agrees_with_known_values(agents: int, erlangs: float, waits: float) -> None:
    assert erlang_c(agents, erlangs) == pytest.approx(waits, abs=5e-4)


def test_mean_wait_of_the_textbook_case() -> None:
    assert mean_wait_s(11, 10.0, 180.0) == pytest.approx(122.8, abs=0.1)
    assert mean_wait_s(13, 10.0, 180.0) == pytest.approx(17.1, abs=0.1)


@given(st.floats(0.1, 100.0), st.integers(1, 40))
def test_erlang_c_is_a_probability_above_erlang_b(erlangs: float, extra: int) -> None:
    agents = int(erlangs) + extra
    assert erlang_b(agents, erlangs) <= erlang_c(agents, erlangs) <= 1.0
    assert erlang_c(agents + 1, erlangs) <= erlang_c(agents, erlangs)


def test_too_few_operators_is_a_clear_error() -> None:
    with pytest.raises(SizingError, match="at least 6"):
        erlang_c(5, 5.0)


def test_waiting_callers_hold_lines_too() -> None:
    plain = size(100, 180, 0.01)
    queued = size(100, 180, 0.01, operators=6)
    assert plain.lines == 11 and plain.erlangs == offered_load(100, 180) == 5.0
    assert queued.mean_wait_s is not None and queued.mean_wait_s > 0
    assert queued.line_holding_s == pytest.approx(180 + queued.mean_wait_s)
    assert queued.lines >= plain.lines


def test_dialer_lines_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lines", "--calls-per-hour", "100", "--aht", "180", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lines"] == 11 and data["blocking"] == pytest.approx(erlang_b(11, 5.0))
    assert "wait_probability" not in data
    assert main(["lines", "--calls-per-hour", "200", "--aht", "180", "--blocking", "0.5%",
                 "--operators", "13", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wait_probability"] == pytest.approx(0.2853, abs=5e-4)
    assert data["mean_wait_s"] == pytest.approx(17.1, abs=0.1)
    assert data["blocking"] <= 0.005


def test_dialer_lines_text_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lines", "--calls-per-hour", "100", "--aht", "180"]) == 0
    assert "lines         11 (blocking 0.83%" in capsys.readouterr().out
    assert main(["lines", "--calls-per-hour", "100", "--aht", "180", "--operators", "4"]) == 2
    assert "at least 6" in capsys.readouterr().err


def test_dialer_lines_sizes_the_trunk_for_both_directions(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lines", "--calls-per-hour", "100", "--aht", "180", "--blocking", "0.1%",
                 "--outbound-peak", "20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    reserve = lines_for_blocking(5.0, 0.001)
    assert data["callback_reserve"] == data["lines"] == reserve
    assert data["trunk_lines"] == 20 + reserve and data["outbound_peak"] == 20
    assert main(["lines", "--calls-per-hour", "1", "--aht", "60", "--outbound-peak", "6",
                 "--reserve-min", "3"]) == 0
    assert "trunk         9 lines = outbound peak 6 + callback reserve 3" in \
        capsys.readouterr().out
    assert main(["lines", "--calls-per-hour", "1", "--aht", "60", "--outbound-peak", "-1"]) == 2
    assert "cannot be negative" in capsys.readouterr().err
