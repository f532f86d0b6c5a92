"""The campaign runner keeps to the carrier's calls-per-second limit ([trunk] max_calls_per_s):
a dial that finds no token waits for the next tick, which comes as soon as the token is due."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from tests.asterisk.kit import OPEN, PERIOD, Clock
from tests.asterisk.memory_store import MemoryStore, MemTarget

OPERATORS = 20


class SentLink(AmiLink):
    """Connected, and keeps the Originates instead of sending them."""

    def __init__(self) -> None:
        super().__init__(config.load(None).ami)
        self.sent: list[tuple[str, float]] = []
        self.now = 0.0

    @property
    def connected(self) -> bool:
        return True

    def originate(self, fields: Mapping[str, str | list[str]], channel_id: str) -> None:
        self.sent.append((channel_id, self.now))


def centre(tmp_path: Path, limit: float | None) -> tuple[CampaignRunner, SentLink]:
    (tmp_path / "cal.toml").write_text(PERIOD)
    settings = config.load(tmp_path / "cal.toml")
    link = SentLink()
    pool = OperatorPool()
    for user_id in range(1, OPERATORS + 1):
        pool.add(user_id, f"op{user_id}", f"seat{user_id}")
        pool.connect(user_id, f"PJSIP/seat{user_id}-1", OPEN)
    store = MemoryStore([MemTarget(n, 1, [f"0901234{n:04d}"]) for n in range(1, 500)],
                        settings.classification)
    calendar = config.calendar(settings)
    runner = CampaignRunner(link, store, pool, lambda: calendar, settings.classification,
                            settings.centre.dedicated_number, Clock(OPEN),
                            max_calls_per_s=limit, monotonic=lambda: link.now)
    runner.open(Campaign(batch_id=1, debt_type="hoikuryo"))
    return runner, link


async def test_without_a_limit_every_ready_operator_gets_a_call_at_once(tmp_path: Path) -> None:
    runner, link = centre(tmp_path, None)
    assert await runner.tick() == OPERATORS
    assert len(link.sent) == OPERATORS


async def test_with_a_limit_the_calls_are_spaced_and_never_beat_it(tmp_path: Path) -> None:
    runner, link = centre(tmp_path, 4.0)
    assert await runner.tick() == 1  # twenty operators ready, one token
    assert await runner.tick() == 0
    pause = runner._limit.pause_s(runner._tick_s)
    assert abs(pause - 0.25) < 1e-6  # the next token is due in 1/4 s
    while link.now < 4.0:  # the dial loop, on a fake clock
        link.now += runner._limit.pause_s(runner._tick_s)
        await runner.tick()
    instants = [at for _id, at in link.sent]
    assert len(instants) == 1 + 4 * 4
    assert all(b - a >= 0.25 - 1e-6 for a, b in itertools.pairwise(instants))


async def test_a_held_back_tick_comes_sooner_than_the_usual_pause(tmp_path: Path) -> None:
    runner, link = centre(tmp_path, 10.0)  # a token every 0.1 s, ticks every 0.25 s
    await runner.tick()
    assert abs(runner._limit.pause_s(runner._tick_s) - 0.1) < 1e-9
    link.now = 1.0
    await runner.tick()
    link.now += runner._limit.pause_s(runner._tick_s)
    assert await runner.tick() == 1
