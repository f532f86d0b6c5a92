"""Simulated operators for the demo and the test drivers: they go ready on a seat, take every
call they are given, talk for a while (the simulated resident decides), and save a result."""

from __future__ import annotations

import asyncio
import logging
import random

from dialer.domain.operators import SeatState
from dialer.services.campaign import CampaignRunner
from dialer.services.operator_pool import OperatorPool

log = logging.getLogger(__name__)

RESULTS = ("101", "101", "106", "201", "103", "102")  # weights: mostly promises


async def autopilot(runner: CampaignRunner, pool: OperatorPool, user_ids: set[int] | None = None,
                    wrap_s: float = 1.0, codes: tuple[str, ...] = RESULTS, seed: int = 7) -> None:
    """Save a result (drawn from ``codes``) for every call the given operators (None: all)
    finish, after ``wrap_s`` of wrap-up."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not security
    while True:
        for op in pool.all():
            if (user_ids is None or op.user_id in user_ids) and op.state is SeatState.WRAP_UP:
                await asyncio.sleep(wrap_s)
                await runner.save_result(op.user_id, rng.choice(codes))
        await asyncio.sleep(0.05)
