"""kill -9 of the service mid-call (issue 12): `dialer serve --sandbox … --at …` runs as its own
process (``serve_process``), the campaign opened by `dialer campaign open`, dialing sipp
residents for two operators on their consoles; one result is saved
through the web API; while one resident talks with an operator and another is ringing, the
service is killed with SIGKILL and started again on the same database. The attempts in flight
are taken back (the call still up is followed to its end, the ringing one to its outcome),
the saved result is intact, dialing goes on — and no resident is called twice, counted on the
residents' own side (their SIP trace) and in the attempts table."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import CallNote
from dialer.domain.attempt import Phase
from dialer.pbx import ports, sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.dial import hang_up
from tests.asterisk.centre import AT
from tests.asterisk.fault_kit import attempt_rows, calls_received, resident_rows
from tests.asterisk.kit import install_test_messages
from tests.asterisk.serve_process import (
    PASSWORD,
    ServeProcess,
    campaign,
    prepare_centre,
    write_config,
)
from tests.component.intake.files import write_csv
from tests.support.console_client import ConsoleUser, record_shown

SHORT, TALKING, RINGING, LATER = ("09011120014", "09011120020", "09011120032", "09011120044")
NUMBERS = [SHORT, TALKING, RINGING, LATER]  # dialled in this order (file order)
RING_TIMEOUT_S = 12


async def prepare(config_path: Path, state: SandboxState, tmp_path: Path) -> int:
    """The database the service will run on: the batch, two operators and a manager."""
    settings = sandbox.service_settings(config.load(config_path), state)
    return await prepare_centre(
        settings, write_csv(tmp_path / "hoikuryo.csv", resident_rows(NUMBERS)), ["op1", "op2"])


@contextlib.asynccontextmanager
async def console(url: str, login: str, seat: str) -> AsyncIterator[ConsoleUser]:
    user = ConsoleUser(url)
    try:
        await user.login(login, PASSWORD)
        await user.connect()
        status, answer = await user.post("/api/console/ready", {"seat": seat})
        assert status == 200, answer
        yield user
    finally:
        await user.close()


def wrap_up(frame: dict[str, object]) -> bool:
    return frame.get("type") == "state" and frame.get("state") == "wrap_up"


async def phases(database: Database, batch: int) -> dict[str, str]:
    return {r.number: r.phase for r in await attempt_rows(database, batch)}


async def test_kill_9_of_the_service_mid_call(
        sandbox_state: SandboxState, ami: AmiLink, tmp_path: Path) -> None:
    state = sandbox_state
    port = ports.free_tcp_port()
    url = f"http://127.0.0.1:{port}/"
    config_path = write_config(tmp_path, port)
    install_test_messages(state.host_inner / "sounds")
    batch = await prepare(config_path, state, tmp_path)
    watcher = Database(sandbox.service_settings(config.load(config_path), state))
    child = ServeProcess(config_path, state.dir, tmp_path / "service.log")
    loop = asyncio.get_running_loop()
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, tmp_path,
                         trace=True) as residents:
        try:
            started = loop.time()
            await child.start(f"{AT:%Y-%m-%d %H:%M}", url)
            await campaign(config_path, "open", "--batch", str(batch),
                           "--ring-timeout", str(RING_TIMEOUT_S))
            async with console(url, "op1", state.seats[0]) as op1:
                # The first resident talks 2 s and hangs up; op1 saves the result.
                first = await op1.frame(record_shown, timeout_s=20)
                await op1.frame(wrap_up, timeout_s=10, after=op1.matched)
                status, saved = await op1.post("/api/console/result", {
                    "code": "101", "note": "来週納付", "account_transfer": "recommended"})
                assert status == 200 and saved["state"] == "ready", saved
                # The next one stays on the line with op1; op2's resident is ringing.
                await op1.frame(lambda f: record_shown(f) and f["call"]["id"] !=
                                first["call"]["id"], timeout_s=20, after=op1.matched)
                async with console(url, "op2", state.seats[1]):
                    assert await until_phase(watcher, batch, RINGING, Phase.DIALING)
                    assert (await phases(watcher, batch))[TALKING] == Phase.CONNECTED
                    await child.kill()
            killed_at = loop.time()

            await child.start(f"{AT + timedelta(seconds=killed_at - started):%Y-%m-%d %H:%M:%S}",
                              url)
            print(f"service back {loop.time() - killed_at:.2f} s after the kill")
            # Taken back: the talk goes on until the resident hangs up; the ringing call runs
            # to its timeout. Neither is dialled again, nor left open.
            talking = next(r for r in await attempt_rows(watcher, batch)
                           if r.number == TALKING)
            await asyncio.sleep(1.0)
            assert (await phases(watcher, batch))[TALKING] == Phase.CONNECTED
            await hang_up(ami, talking.id)
            assert await until_phase(watcher, batch, TALKING, Phase.WRAP_UP)
            assert await until_phase(watcher, batch, RINGING, Phase.DONE,
                                     timeout_s=RING_TIMEOUT_S + 5)

            # Operators log in again: dialing goes on with the next resident only.
            async with console(url, "op1", state.seats[0]) as op1:
                # The killed run's idle session on this seat was hung up as op1 went ready
                # (a one-line phone would be busy otherwise): one session, the new one.
                sessions = [c.name for c in await ami.channels()
                            if c.channel_id.startswith(f"seat-{state.seats[0]}-")]
                assert len(sessions) == 1, sessions
                later = await op1.frame(record_shown, timeout_s=20)
                await op1.frame(wrap_up, timeout_s=10, after=op1.matched)
                status, _ = await op1.post("/api/console/result", {
                    "code": "101", "account_transfer": "recommended"})
                assert status == 200
                await asyncio.sleep(1.0)  # nothing else is due: nothing else is dialled
            rows = await attempt_rows(watcher, batch)
            async with watcher.engine.connect() as conn:
                notes = (await conn.execute(select(CallNote.attempt_id, CallNote.note))).all()
        finally:
            await child.stop()
            await watcher.close()
            # op2 never came back: the killed run's session on its seat is still up.
            await end_seat_sessions(ami, state.seats[:2])
    calls = calls_received(residents)
    print("attempts:", [(r.number[-3:], r.phase, r.result_code) for r in rows])
    print("calls received:", {n[-3:]: c for n, c in calls.items()})
    by_number = {r.number: r for r in rows}
    assert Counter(r.number for r in rows) == Counter(NUMBERS)  # one attempt each
    assert calls == Counter(NUMBERS)  # one call each, on the residents' side too
    assert (by_number[SHORT].phase, by_number[SHORT].result_code) == (Phase.WRAP_UP, "101")
    assert (first["call"]["id"], "来週納付") in [tuple(n) for n in notes]  # intact
    assert (by_number[TALKING].phase, by_number[TALKING].result_code) == (Phase.WRAP_UP, None)
    assert (by_number[RINGING].phase, by_number[RINGING].result_code) == (Phase.DONE, "S02")
    assert by_number[LATER].id == later["call"]["id"]
    assert by_number[LATER].result_code == "101"


async def end_seat_sessions(ami: AmiLink, seats: tuple[str, ...]) -> None:
    """Hang up the seats' session channels (Uniqueid ``seat-<seat>-…``, see seats.py)."""
    for channel in await ami.channels(wait_login=False):
        if any(channel.channel_id.startswith(f"seat-{seat}-") for seat in seats):
            await ami.hangup(channel.name)


async def until_phase(database: Database, batch: int, number: str, phase: Phase,
                      timeout_s: float = 15) -> bool:
    for _ in range(int(timeout_s / 0.1)):
        if (await phases(database, batch)).get(number) == phase:
            return True
        await asyncio.sleep(0.1)
    return False
