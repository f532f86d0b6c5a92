"""Simulated operators for the demo and the test drivers: they go ready on a seat, take every
call they are given, talk for a while (the simulated resident decides), and save a result."""

from __future__ import annotations

import asyncio
import logging
import random

from dialer.domain.operators import SeatState
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_pool import OperatorPool

log = logging.getLogger(__name__)

RESULTS = ("101", "101", "106", "201", "103", "102")  # weights: mostly promises


async def autopilot(runner: CampaignRunner, pool: OperatorPool, user_ids: set[int] | None = None,
                    wrap_s: float = 1.0, codes: tuple[str, ...] = RESULTS, seed: int = 7,
                    talk_max_s: float = 20.0) -> None:
    """The given operators (None: all) end a conversation after at most ``talk_max_s`` and save
    a result (drawn from ``codes``) after ``wrap_s`` of wrap-up."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not security
    talking_since: dict[int, float] = {}
    loop = asyncio.get_running_loop()
    while True:
        for op in pool.all():
            if user_ids is not None and op.user_id not in user_ids:
                continue
            if op.state is SeatState.ON_CALL:
                started = talking_since.setdefault(op.user_id, loop.time())
                if loop.time() - started > talk_max_s:
                    await runner.end_call(op.user_id)
            elif op.state is SeatState.WRAP_UP:
                talking_since.pop(op.user_id, None)
                await asyncio.sleep(wrap_s)
                await runner.save_result(op.user_id, rng.choice(codes))
        await asyncio.sleep(0.05)
