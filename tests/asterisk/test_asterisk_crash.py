"""kill -9 of Asterisk mid-campaign: the service notices, stops dialing, reconnects when Asterisk
is back, and reconciles every attempt that was in flight (nothing stays in progress)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.domain.calendar import Calendar
from dialer.pbx import sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seats import connect_seat
from tests.asterisk.kit import OPEN, Clock, make_runner, own_sandbox, running_runner, until
from tests.asterisk.memory_store import MemoryStore, MemTarget


@pytest.fixture
def crash_sandbox(settings: Settings, tmp_path: Path) -> Iterator[SandboxState]:
    with own_sandbox(settings, tmp_path / "crash-sandbox") as state:
        yield state


@pytest.fixture
async def crash_ami(crash_sandbox: SandboxState) -> AsyncIterator[AmiLink]:
    link = AmiLink(crash_sandbox.ami())
    await link.connect()
    liveness = asyncio.create_task(link.liveness_loop(interval_s=0.5, timeout_s=1.0))
    try:
        yield link
    finally:
        liveness.cancel()
        await link.close()


async def test_kill_9_mid_campaign_reconciles_every_attempt(
    crash_sandbox: SandboxState, crash_ami: AmiLink, settings: Settings, calendar: Calendar,
    tmp_path: Path,
) -> None:
    async with sipp.running(["-sn", "uas"], crash_sandbox.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], crash_sandbox.carrier_port, tmp_path):
        pool = OperatorPool()
        for user_id, seat in enumerate(crash_sandbox.seats[:2], start=1):
            pool.add(user_id, f"op{user_id}", seat)
            pool.connect(user_id, await connect_seat(crash_ami, seat), OPEN)
        # ...0 answers and stays on the line; ...2 rings without answering.
        store = MemoryStore([MemTarget(1, 9, ["09022220000"]), MemTarget(2, 9, ["09022220002"])],
                            settings.classification)
        runner = make_runner(crash_ami, store, pool, calendar, settings, Clock(OPEN))
        runner.open(Campaign(batch_id=9, debt_type="hoikuryo", ring_timeout_s=30))
        async with running_runner(runner, pool):
            phases = lambda: {a.phase for a in store.attempts.values()}  # noqa: E731
            assert await until(lambda: Phase.CONNECTED in phases() and len(runner.in_flight) == 2,
                               10), store.attempts
            os.kill(crash_sandbox.pid, signal.SIGKILL)
            assert await until(lambda: not crash_ami.connected, 2.0)
            assert not runner.may_dial(runner.campaigns[9])

            restarted = await sandbox.start(settings, Path(crash_sandbox.dir))
            assert restarted.ami_port == crash_sandbox.ami_port
            assert await until(lambda: crash_ami.connected and not runner.in_flight, 15)
        results = {a.target_id: (a.phase, a.result_code) for a in store.attempts.values()}
        assert results[2] == (Phase.DONE, "S04")  # ringing when Asterisk died: failed, retried
        assert results[1][0] is Phase.WRAP_UP  # was talking: its operator records the result
        assert len(store.attempts) == 2  # nothing dialed twice
