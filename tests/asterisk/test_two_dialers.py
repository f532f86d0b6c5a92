"""Scale-out: two `dialer serve --sandbox … --at …` processes on one PostgreSQL database, each
with its own sandbox Asterisk, simulated residents and seat phones, and operators logged in on
its web console (ready on its seats, saving a result after each talk). A manager opens the
batch's campaign once (`dialer campaign open`); both processes follow it and dial the same
batch at the same time. No target is called twice at once and none more often than the retry
rules allow: checked in the database, and on the wire — the INVITEs each Asterisk sent to its
carrier, counted per number (distinct Call-IDs)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Target, TargetPhone
from dialer.domain import phone
from dialer.pbx import ports, sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from tests.asterisk.kit import PERIOD, install_test_messages
from tests.asterisk.serve_process import (
    PASSWORD,
    ServeProcess,
    campaign,
    prepare_centre,
    write_config,
)
from tests.component.intake.files import write_csv
from tests.support.console_client import ConsoleUser, save_each_result
from tests.support.postgres import Server

DIALERS = ("d1", "d2")  # each its folder, its `[database] instance`, its sandbox
OPERATORS = 8  # per dialer: every seat of its own sandbox
AT = "2027-01-12 12:00"  # a Tuesday, inside the 11:30-13:30 window
RING_TIMEOUT_S = 5  # the shortest `dialer campaign open` accepts
DEADLINE_S = 60.0
# The last digit picks what the simulated resident does (dialer/pbx/sipp/residents.xml):
# 1 busy (retry in 15 min), 2 rings out (retry in 2 h), 4 answers (the operator's result),
# 3 not in service (the target's next number at once: a mobile that answers).
KINDS = (("1", None), ("2", None), ("4", None), ("3", "4"))
TARGETS = 48


def rows() -> list[list[str]]:
    made = []
    for n in range(TARGETS):
        first, second = KINDS[n % len(KINDS)]
        mobile = f"090-{1000 + n}-000{second}" if second else ""
        made.append([f"S{n:03d}", f"住民　{n:02d}", "", f"011-{300 + n}-100{first}", mobile,
                     "R5", "1", "R5.4.30", "1000"])
    return made


def expected_calls() -> Counter[str]:
    """Every number rung exactly once in this run: no retry is due within it."""
    return Counter(phone.normalize(number) for row in rows() for number in row[3:5] if number)


def logins(dialer: str) -> list[str]:
    return [f"{dialer}op{n}" for n in range(1, OPERATORS + 1)]


async def prepared(url: str, tmp_path: Path) -> int:
    """The batch imported, each dialer's operators and the manager made, before either
    dialer starts."""
    (tmp_path / "setup.toml").write_text(f'[database]\nurl = "{url}"\n' + PERIOD)
    return await prepare_centre(config.load(tmp_path / "setup.toml"),
                                write_csv(tmp_path / "hoikuryo-2027-01.csv", rows()),
                                itertools.chain(*(logins(d) for d in DIALERS)))


def dialer_config(url: str, folder: Path, port: int) -> Path:
    """A dialer's own configuration: the shared database and the access log's key the setup
    made (one chain, one key), its instance name (the folder's), its web port and data
    folder."""
    folder.mkdir()
    return write_config(folder, port, url, instance=folder.name,
                        audit_key=folder.parent / "keys" / "audit.key")


class Dialer:
    """One dialer: its sandbox (phones and traced residents), its `dialer serve`, its
    operators' consoles."""

    def __init__(self, url: str, folder: Path, since: float) -> None:
        self.folder, self.port, self.since = folder, ports.free_tcp_port(), since
        self.config_path = dialer_config(url, folder, self.port)
        self.sandbox_dir = folder / "sandbox"
        self.url = f"http://127.0.0.1:{self.port}/"
        self.service = ServeProcess(self.config_path, self.sandbox_dir, folder / "service.log")
        self.consoles: list[ConsoleUser] = []

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SandboxState]:
        """Sandbox, phones, residents and `dialer serve`, stopped in reverse on the way out."""
        state = await sandbox.start(config.load(self.config_path), self.sandbox_dir)
        try:
            install_test_messages(state.host_inner / "sounds")
            async with sipp.running(["-sn", "uas"], state.phones_port, self.sandbox_dir), \
                    sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port,
                                 self.sandbox_dir, trace=True):
                try:
                    await self.service.start(AT, self.url, self.since)
                    yield state
                finally:
                    await asyncio.gather(*(user.close() for user in self.consoles))
                    await self.service.stop()
        finally:
            await asyncio.to_thread(sandbox.down, self.sandbox_dir)

    async def ready(self, state: SandboxState) -> list[asyncio.Task[None]]:
        """Every operator logged in on the console and ready on a seat of their own; each
        then saves a result after every talk (the returned tasks)."""
        self.consoles = [ConsoleUser(self.url) for _ in range(OPERATORS)]
        for user, login, seat in zip(self.consoles, logins(self.folder.name), state.seats,
                                     strict=False):
            await user.login(login, PASSWORD)
            await user.connect()
            status, answer = await user.post("/api/console/ready", {"seat": seat})
            assert status == 200, answer
        return [asyncio.create_task(save_each_result(user, saved_ok)) for user in self.consoles]


def saved_ok(status: int, answer: object) -> None:
    assert status == 200, answer


def invites(sandbox_dir: Path) -> Counter[str]:
    """Calls Asterisk placed to the carrier, per number dialed (one per Call-ID)."""
    [log] = sandbox_dir.glob("sipp-*-messages.log")
    run = sipp.SippRun(process=None, port=0, message_log=log)  # type: ignore[arg-type]
    calls = set()
    for message in run.received("INVITE"):
        number = re.search(r"^\s*INVITE sip:(\d+)@", message, re.M)
        assert number is not None, message
        calls.add((number.group(1), sipp.header(message, "Call-ID")))
    return Counter(number for number, _call in calls)


async def until_all_ended(database: Database, total: int, tasks: list[asyncio.Task[None]],
                          timeout_s: float) -> bool:
    """True once ``total`` attempts exist and every one has ended with a result."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for task in tasks:  # an operator whose result was refused: fail now, with its error
            if task.done():
                task.result()
        async with database.engine.connect() as conn:
            found = (await conn.execute(select(Attempt.ended_at, Attempt.result_code))).all()
        if len(found) >= total and all(a.ended_at and a.result_code for a in found):
            return True
        await asyncio.sleep(0.2)
    return False


async def test_two_dialers_on_one_database_never_call_a_target_twice(tmp_path: Path) -> None:
    server = Server()
    name = server.create()
    since = time.time()  # both clocks read AT at this real moment: one clock for both
    dialers = [Dialer(server.database_url(name), tmp_path / d, since) for d in DIALERS]
    watcher = Database(config.load(dialers[0].config_path))
    tasks: list[asyncio.Task[None]] = []
    try:
        batch = await prepared(server.database_url(name), tmp_path)
        async with contextlib.AsyncExitStack() as stack:
            states = [await stack.enter_async_context(d.running()) for d in dialers]
            for dialer, state in zip(dialers, states, strict=True):
                tasks += await dialer.ready(state)
            start = time.monotonic()
            await campaign(dialers[0].config_path, "open", "--batch", str(batch),
                           "--ring-timeout", str(RING_TIMEOUT_S))
            done = await until_all_ended(watcher, sum(expected_calls().values()), tasks,
                                         DEADLINE_S)
            elapsed = time.monotonic() - start
            assert done, [d.service.tail() for d in dialers]
            await asyncio.sleep(1.0)  # nothing is due any more: nothing else is dialled
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        print(f"batch of {TARGETS} targets dialled by two `dialer serve` in {elapsed:.1f} s")
        await check_database(watcher)
    finally:
        for task in tasks:
            task.cancel()
        await watcher.close()
        server.drop(name)
        server.close()
    wire = [invites(d.sandbox_dir) for d in dialers]
    print("calls placed per dialer:", [sum(w.values()) for w in wire])
    assert all(sum(w.values()) > 0 for w in wire)  # both Asterisks placed calls
    assert wire[0] + wire[1] == expected_calls()  # every number once, whichever dialer rang it
    assert elapsed < DEADLINE_S, elapsed


CLOCK_SKEW = timedelta(milliseconds=50)


async def check_database(database: Database) -> None:
    async with database.engine.connect() as conn:
        attempts = (await conn.execute(select(
            Attempt.target_id, Attempt.created_at, Attempt.ended_at, Attempt.result_code,
            Attempt.instance).order_by(Attempt.target_id, Attempt.phone_index))).all()
        claimed = dict((await conn.execute(select(Target.id, Target.attempts))).all())
        numbers = Counter((await conn.execute(select(TargetPhone.target_id))).scalars())
    assert all(a.ended_at is not None and a.result_code for a in attempts)  # all ended
    per_target = Counter(a.target_id for a in attempts)
    assert per_target == Counter(numbers)  # each of a target's numbers once, no retry yet
    assert per_target == Counter(claimed)
    for earlier, later in itertools.pairwise(attempts):
        if earlier.target_id == later.target_id:  # never two calls to one target at once
            # a target's calls, in the order they really came: its numbers in turn (no retry
            # yet). Both processes' clocks read AT at the same real moment (--at-since), so
            # their stamps compare; CLOCK_SKEW only covers stamping a moment before writing (a
            # real second call would overlap the first by at least its ringing, a second or more)
            assert earlier.ended_at <= later.created_at + CLOCK_SKEW, (earlier, later)
    answered = sum(n for number, n in expected_calls().items() if number.endswith("4"))
    saved = Counter(a.result_code for a in attempts)["101"]
    assert saved == answered, saved  # every talk got its operator's result, through the console
    by_dialer = Counter(a.instance for a in attempts)
    assert set(by_dialer) == set(DIALERS), by_dialer  # both dialed, from one batch
