"""The campaign runner keeps to the line budget: with every operator ready it places no more
calls than ``max_lines - reserve``, counts the callbacks on lines (waiting and talking) against
the trunk, and the budget's reserve follows the callbacks of the measuring window."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dialer import config
from dialer.domain.erlang import lines_for_blocking
from dialer.domain.inbound import InboundCall, InboundEnd
from dialer.domain.line_budget import LinePolicy
from dialer.services.calls.line_budget import LineBudget, line_policy
from dialer.services.calls.runner import CampaignRunner
from tests.component.test_campaign_rate_limit import OPERATORS, SentLink, centre

WALL = 1_800_000_000.0


class Callbacks:
    def __init__(self) -> None:
        self.calls: list[InboundCall] = []

    def caller(self, started: float, ended: float | None = None,
               talking: bool = False) -> None:
        end = InboundEnd.CONNECTED if talking else InboundEnd.ONGOING
        self.calls.append(InboundCall(f"in-{len(self.calls)}", started, ended_at=ended,
                                      end=end))


def budgeted(tmp_path: Path, policy: LinePolicy,
             callbacks: Callbacks) -> tuple[CampaignRunner, SentLink]:
    runner, link = centre(tmp_path, None)
    runner.line_budget = LineBudget(lambda: policy, lambda: callbacks.calls, lambda: WALL)
    return runner, link


async def test_outbound_never_takes_the_reserve(tmp_path: Path) -> None:
    runner, link = budgeted(tmp_path, LinePolicy(6, reserve_min=2), Callbacks())
    assert OPERATORS > 6
    assert await runner.tick() == 4  # twenty operators ready, four lines for outbound
    assert await runner.tick() == 0
    assert len(runner.in_flight) == len(link.sent) == 4
    lines = runner.lines()
    assert (lines.outbound, lines.reserve, lines.free, lines.outbound_room) == (4, 2, 2, 0)


async def test_callbacks_beyond_the_reserve_take_lines_from_outbound(tmp_path: Path) -> None:
    callbacks = Callbacks()
    runner, _link = budgeted(tmp_path, LinePolicy(6, reserve_min=2), callbacks)
    for n in range(3):  # three callers on lines: one waits, two talk to operators
        callbacks.caller(WALL - 10 * n, talking=n > 0)
    callbacks.caller(WALL - 500, WALL - 100)  # ended: holds no line
    assert await runner.tick() == 3
    lines = runner.lines()
    assert (lines.callbacks_waiting, lines.callbacks_talking, lines.in_use) == (1, 2, 6)
    assert lines.free == 0


async def test_the_reserve_grows_with_the_callbacks_of_the_window(tmp_path: Path) -> None:
    callbacks = Callbacks()
    runner, _link = budgeted(tmp_path, LinePolicy(20, reserve_min=2, blocking=0.001),
                             callbacks)
    for n in range(60):  # a caller every minute for the last hour, five minutes each
        callbacks.caller(WALL - 3600 + 60 * n, WALL - 3300 + 60 * n)
    lines = runner.lines()
    assert lines.callback_erlangs == pytest.approx(4.5 + 0.2 + 0.1 + 1 / 30)  # 5 end later
    assert lines.reserve == lines_for_blocking(lines.callback_erlangs, 0.001) == 14
    assert await runner.tick() == 20 - 14


def test_the_policy_comes_from_the_trunk_settings() -> None:
    settings = config.load(None)
    trunk = dataclasses.replace(settings.trunk, max_lines=6, callback_reserve_min=3,
                                callback_blocking=0.01, callback_window_min=30)
    assert line_policy(dataclasses.replace(settings, trunk=trunk)) == LinePolicy(
        6, reserve_min=3, blocking=0.01, window_s=1800.0)
