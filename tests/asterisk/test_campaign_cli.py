"""Campaigns opened and closed by a manager on the command line reach a running `dialer serve`
(its own process, `dialer serve --sandbox … --at …`, see ``serve_process``): dialing starts within
2 s of `dialer campaign open` (another process), stops within 2 s of `dialer campaign close`
(the call on the line runs to its end, no new one), and an open campaign is dialed again after
the service restarts, with nobody opening it again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.pbx import ports, sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from tests.asterisk.centre import AT
from tests.asterisk.fault_kit import attempt_rows, resident_rows
from tests.asterisk.kit import install_test_messages
from tests.asterisk.serve_process import ServeProcess, campaign, prepare_centre, write_config
from tests.asterisk.test_serve_kill import console
from tests.component.intake.files import write_csv

RING_TIMEOUT_S = 5  # every resident rings and never answers (last digit 2)
NUMBERS = [f"0901113{n:03d}2" for n in range(16)]


async def prepare(config_path: Path, state: SandboxState, tmp_path: Path) -> int:
    settings = sandbox.service_settings(config.load(config_path), state)
    return await prepare_centre(
        settings, write_csv(tmp_path / "hoikuryo.csv", resident_rows(NUMBERS)), ["op1"])


async def until_more(watcher: Database, batch: int, than: int, timeout_s: float) -> float | None:
    """Seconds until the batch has more than ``than`` attempts (None if not within)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if len(await attempt_rows(watcher, batch)) > than:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    return None


async def test_open_close_and_restart_from_the_command_line(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    state = sandbox_state
    port = ports.free_tcp_port()
    url = f"http://127.0.0.1:{port}/"
    config_path = write_config(tmp_path, port)
    install_test_messages(state.host_inner / "sounds")
    batch = await prepare(config_path, state, tmp_path)
    watcher = Database(sandbox.service_settings(config.load(config_path), state))
    child = ServeProcess(config_path, state.dir, tmp_path / "service.log")
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, tmp_path):
        try:
            await start(child, url)
            async with console(url, "op1", state.seats[0]):
                await asyncio.sleep(2.0)
                assert await attempt_rows(watcher, batch) == []  # nothing open: no call

                opened = await campaign(config_path, "open", "--batch", str(batch),
                                        "--ring-timeout", str(RING_TIMEOUT_S))
                first = await until_more(watcher, batch, 0, timeout_s=5)
                assert first is not None, log_tail(child)
                print(f"first call {first:.2f} s after `dialer campaign open` ended")
                assert time.monotonic() - opened < 2.5 and first < 2.0

                closed = await campaign(config_path, "close", "--batch", str(batch))
                await asyncio.sleep(max(0.0, closed + 2.0 - time.monotonic()))
                placed = len(await attempt_rows(watcher, batch))
                # the operator is free again after a ring timeout: an open campaign would call
                assert await until_more(watcher, batch, placed, 2 * RING_TIMEOUT_S + 1) is None

                await campaign(config_path, "open", "--batch", str(batch),
                               "--ring-timeout", str(RING_TIMEOUT_S))
                assert await until_more(watcher, batch, placed, 2.0) is not None
            await child.stop()
            before = len(await attempt_rows(watcher, batch))

            await start(child, url)  # nobody opens it again: the stored campaign is dialed
            async with console(url, "op1", state.seats[0]):
                later = await until_more(watcher, batch, before, 2 * RING_TIMEOUT_S + 5)
                assert later is not None, log_tail(child)
                print(f"after the restart: a new call {later:.2f} s after op1 was ready")
            rows = await attempt_rows(watcher, batch)
        finally:
            await child.stop()
            await watcher.close()
    numbers = [r.number for r in rows]
    assert len(numbers) == len(set(numbers))  # nobody called twice
    log = (tmp_path / "service.log").read_text()
    assert log.count(f"campaign for batch {batch} (hoikuryo) opened") >= 3  # twice, restart


async def start(child: ServeProcess, url: str) -> None:
    await child.start(f"{AT:%Y-%m-%d %H:%M}", url)


def log_tail(child: ServeProcess) -> str:
    return child.tail()
