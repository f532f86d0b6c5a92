"""`core restart now` while residents wait in the callback queue (issue 12): Asterisk hangs up
every call and re-executes itself (same process, same ports). The service notices, every
waiting caller's call ends with a recorded outcome (nothing left open in the tracker nor in
``inbound_calls``), the service logs in again once Asterisk is back, and a resident calling
after the restart is queued and reaches an operator as usual."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.adapters.ami import AmiLink
from dialer.adapters.db.models import InboundCallRecord
from dialer.config import Settings
from dialer.domain.inbound import InboundEnd
from dialer.domain.operators import SeatState
from dialer.pbx import sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.pbx.sipp import SippRun
from tests.asterisk.fault_kit import seat_operators, serving
from tests.asterisk.kit import own_sandbox, until
from tests.support import ami_wire

CALLERS = ("09055550011", "09055550012")
LATE_CALLER = "09055550013"


@pytest.fixture
def restart_sandbox(settings: Settings, tmp_path: Path) -> Iterator[SandboxState]:
    with own_sandbox(settings, tmp_path / "restart-sandbox") as state:
        yield state


@contextlib.asynccontextmanager
async def own_link(state: SandboxState) -> AsyncIterator[AmiLink]:
    link = AmiLink(state.ami())
    await link.connect()
    try:
        yield link
    finally:
        await link.close()


async def callers(state: SandboxState, dedicated: str, numbers: tuple[str, ...], workdir: Path,
                  wait_ms: int) -> SippRun:
    """Residents calling the dedicated number together, from one sipp (the carrier's port)."""
    scenario = workdir / f"callers-{wait_ms}.xml"
    scenario.write_text(sipp.CALLER.read_text().replace("WAIT_MS", str(wait_ms)))
    listing = workdir / "callers.csv"
    listing.write_text("SEQUENTIAL\n" + "".join(f"{n};\n" for n in numbers))
    return await sipp.start(["-sf", str(scenario), "-s", dedicated, "-inf", str(listing),
                             f"127.0.0.1:{state.sip_port}"], state.callers_port, workdir,
                            calls=len(numbers), timeout_s=wait_ms / 1000 + 30)


async def restart_now(state: SandboxState) -> None:
    """From Asterisk's own console: the service's AMI user may not run CLI commands."""
    with contextlib.suppress(subprocess.TimeoutExpired):  # Asterisk goes before it answers
        await asyncio.to_thread(sandbox.asterisk_rx, state, "core restart now")


async def test_core_restart_now_during_the_callback_queue(
        restart_sandbox: SandboxState, tmp_path: Path) -> None:
    state = restart_sandbox
    loop = asyncio.get_running_loop()
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            serving(state, tmp_path, ["0901110999"]) as served:
        service = served.service
        dedicated = service.settings.centre.dedicated_number
        waiting = await callers(state, dedicated, CALLERS, tmp_path, 40_000)
        assert await until(lambda: service.inbound.waiting() == len(CALLERS), 10)

        await asyncio.sleep(1.0)  # they wait (no operator is ready)
        restarted_at = loop.time()
        command = asyncio.create_task(restart_now(state))
        assert await until(lambda: not service.ami.connected, 5)
        noticed_s = loop.time() - restarted_at
        assert await until(lambda: service.ami.connected, 20)
        back_s = loop.time() - restarted_at
        assert sandbox.is_alive(state.pid)  # re-executed in place: same process, same ports
        await command

        # Every caller who was waiting has an end, in the tracker and in the database.
        assert await until(lambda: service.inbound.waiting() == 0, 10)
        assert all(c.ended_at is not None for c in service.inbound.calls.values())
        await waiting.stop(grace_s=10)
        assert await until_recorded(service, len(CALLERS))

        # After the restart: an operator goes ready, a resident calls and reaches them.
        [user_id] = await seat_operators(service, state.seats[:1])
        late = await callers(state, dedicated, (LATE_CALLER,), tmp_path, 6_000)
        assert await until(lambda: service.pool.get(user_id).state is SeatState.ON_CALL, 15)
        [after] = [c for c in service.inbound.calls.values() if c.end is InboundEnd.CONNECTED]
        assert after.position == 1 and after.operator_seat == state.seats[0]  # queued first
        await late.stop(grace_s=20)
        assert await until_recorded(service, len(CALLERS) + 1)
        async with service.database.engine.connect() as conn:
            ends = sorted((await conn.execute(select(InboundCallRecord.end))).scalars())
    print(f"restart noticed in {noticed_s:.2f} s; logged in again after {back_s:.2f} s; "
          f"inbound ends: {ends}")
    assert ends.count(InboundEnd.CONNECTED) == 1
    assert ends.count(InboundEnd.ABANDONED) == len(CALLERS)


async def until_recorded(service: object, count: int, timeout_s: float = 10) -> bool:
    """``count`` inbound calls in the database, every one of them ended."""
    database = service.database  # type: ignore[attr-defined]
    for _ in range(int(timeout_s / 0.1)):
        async with database.engine.connect() as conn:
            rows = (await conn.execute(select(InboundCallRecord.end,
                                              InboundCallRecord.ended_at))).all()
        if len(rows) == count and all(end and ended for end, ended in rows):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_callers_waiting_when_asterisk_is_killed_end_when_it_is_back(
        restart_sandbox: SandboxState, settings: Settings, tmp_path: Path) -> None:
    """kill -9 sends no Hangup: the waiting calls are ended by the reconcile after the
    reconnect — and outbound dialing, which yields to waiting callers, is not blocked. The
    operator on a seat (paused: callers wait) is offline: their phone's session is gone."""
    state = restart_sandbox
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            serving(state, tmp_path, ["0901110999"]) as served:
        service = served.service
        [user_id] = await seat_operators(service, state.seats[:1])
        service.sessions.pause(user_id, "休憩")
        assert await device_state_is(service.ami, state.seats[0], "UNAVAILABLE")
        waiting = await callers(state, service.settings.centre.dedicated_number, CALLERS,
                                tmp_path, 40_000)
        assert await until(lambda: service.inbound.waiting() == len(CALLERS), 10)
        await asyncio.sleep(1.0)
        os.kill(state.pid, signal.SIGKILL)
        assert await until(lambda: not service.ami.connected, 5)
        await waiting.stop(grace_s=0)
        await sandbox.start(settings, Path(state.dir))
        assert await until(lambda: service.ami.connected, 15)
        assert await until(lambda: service.inbound.waiting() == 0, 10)
        assert await until_recorded(service, len(CALLERS))
        assert await until(lambda: service.pool.get(user_id).state is SeatState.OFFLINE, 5)
        calls = list(service.inbound.calls.values())
    assert [c.end for c in calls] == [InboundEnd.ABANDONED] * len(CALLERS)
    assert all((c.wait_s or 0) >= 1 for c in calls)


async def device_state_is(link: AmiLink, seat: str, wanted: str, timeout_s: float = 5) -> bool:
    """Asterisk's ``DEVICE_STATE(Custom:<seat>)`` is ``wanted`` (within ``timeout_s``)."""
    for _ in range(int(timeout_s / 0.1)):
        answer = await ami_wire.ask(link, {"Action": "Getvar",
                                           "Variable": f"DEVICE_STATE(Custom:{seat})"})
        if answer.get("Value") == wanted:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_seat_ready_at_the_restart_is_not_offered_callers_after_it(
        restart_sandbox: SandboxState, tmp_path: Path) -> None:
    """The restart hangs up the operator's seat phone (the operator is offline) but Asterisk
    keeps the seat's custom device state in its database: the service sends it again."""
    state = restart_sandbox
    seat = state.seats[1]
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            serving(state, tmp_path, ["0901110999"]) as served, own_link(state) as link:
        service = served.service
        [user_id] = await seat_operators(service, [seat])
        assert await device_state_is(link, seat, "NOT_INUSE")
        await restart_now(state)
        assert await until(lambda: service.ami.connected and link.connected, 20)
        assert service.pool.get(user_id).state is SeatState.OFFLINE
        assert await device_state_is(link, seat, "UNAVAILABLE")
