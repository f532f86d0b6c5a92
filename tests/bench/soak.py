"""A bounded soak of the whole service on the sandbox Asterisk: 200 logged-in console websockets
and a supervisor board, about 50 calls up at every moment, for as long as asked; sampled every
few seconds for memory, CPU, calls up, websocket frames, and event lag on every call.

The service is ``dialer.app.Service`` in a process of its own (``tests.bench.soak_service``),
dialing a 20,000-target batch through its own campaign runner and token bucket. Residents are
Local channels that ring ``ring_s``, answer and talk ``talk_s``; operators' seat phones are Local
channels too (``tests.bench.local_calls`` says why not SIP). Everything else is real: operators
log in through the login form, go ready on their seats and save each call's result through the
console's JSON actions after its wrap-up frame arrives; their websockets receive every state
change and screen-pop; the board's websocket every board update.

Pacing is the runner's own (progressive: one reserved operator per call): ``calls`` operators
go ready (plus ``spare``) and each takes the next call once its result is saved, so about
``calls`` calls are on the line at every moment. The carrier's limit ``[trunk]
max_calls_per_s`` is set 10% over the rate that needs. Used by ``bench_soak`` (minutes) and
``tests/asterisk/test_soak.py`` (about a minute).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from dialer.adapters import passwords
from dialer.pbx import ports
from dialer.pbx.sandbox import SandboxState
from dialer.services.runtime.tasks import cancel_all
from tests.asterisk.kit import PERIOD, install_test_messages
from tests.bench import seed
from tests.bench.bench_originate import channels_up, cpu_s
from tests.bench.results import ROOT
from tests.bench.soak_figures import figures
from tests.bench.soak_service import QUICK_HASHER, seat_names
from tests.bench.soak_watch import CallWatch, Sample, last_state, rss_mb
from tests.support.console_client import ConsoleUser, save_each_result

PASSWORD = "soak-password-1"
LOGINS_AT_ONCE = 20  # argon2id: each verification holds 64 MiB
ACTIVITY_EVERY_S = 60.0  # a browser reports input; the console never idles into its lock


@dataclasses.dataclass(frozen=True)
class Plan:
    seconds: float  # the plateau, measured
    consoles: int = 200
    calls: int = 50
    ring_s: float = 1.0
    talk_s: float = 10.0
    sample_s: float = 5.0
    spare: int = 0
    targets: int = 20_000
    quick_logins: bool = False  # see soak_service.QUICK_HASHER

    @property
    def operators(self) -> int:
        return self.calls + self.spare

    @property
    def calls_per_s(self) -> float:
        """The carrier's limit: 10% over what the calls need. It spreads the first calls over
        one call's length (all at once, they would keep ending together, in waves); then the
        operators, not the limit, keep the number of calls up."""
        return round(1.1 * self.calls / (self.ring_s + self.talk_s), 2)

    @property
    def ramp_s(self) -> float:
        """From the operators going ready to the plateau: the first calls have ended."""
        return self.ring_s + self.talk_s + 4.0


@dataclasses.dataclass
class Run:
    plan: Plan
    samples: list[Sample]
    watch: CallWatch
    consoles: list[ConsoleUser]
    board: ConsoleUser
    plateau: tuple[float, float]  # perf_counter() at its start and end
    outcomes: dict[str, int]
    result_errors: int
    ready_errors: int
    lost_websockets: int
    phases: dict[str, float]  # seconds each step took: seed, start, log_in, ready, calls…


async def soak(state: SandboxState, workdir: Path, plan: Plan
               ) -> tuple[dict[str, Any], list[Sample], dict[str, float]]:
    """Run the soak: its figures (see ``soak_figures``), its samples, how long each step took."""
    run = await _run(state, workdir, plan)
    return figures(run), run.samples, run.phases


async def _run(state: SandboxState, workdir: Path, plan: Plan) -> Run:
    db_path = workdir / "soak.sqlite3"
    phases = Phases()
    batch = await asyncio.to_thread(_seed, db_path, plan)
    install_test_messages(state.host_inner / "sounds")
    phases.done("seed")
    watch = CallWatch(state.ami())
    await watch.connect(10)
    try:
        async with _service(state, workdir, db_path, batch, plan) as (pid, url):
            phases.done("start")
            run = await _drive(state, plan, pid, url, watch, db_path, phases)
        phases.done("stop")
    finally:
        await _quiet(watch)
        phases.done("quiet")
        await watch.close()
    return run


class Phases(dict[str, float]):
    """How long each step took (seconds), noted as each one ends."""

    def __init__(self) -> None:
        super().__init__()
        self._since = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self[name] = round(now - self._since, 1)
        self._since = now


def _seed(db_path: Path, plan: Plan) -> int:
    batch = seed.create(db_path, plan.targets)
    # one hash for all accounts: the logins are measured, not the seeding
    hashed = (QUICK_HASHER.hash(PASSWORD) if plan.quick_logins
              else passwords.hash_password(PASSWORD))
    seed.add_users(db_path, plan.consoles, password_hash=hashed)
    seed.add_users(db_path, 1, role="manager", first_id=plan.consoles + 1, prefix="kanri",
                   password_hash=hashed)
    return batch


@contextlib.asynccontextmanager
async def _service(state: SandboxState, workdir: Path, db_path: Path, batch: int,
                   plan: Plan) -> AsyncIterator[tuple[int, str]]:
    toml = workdir / "soak.toml"
    # the trunk sized for the soak's calls plus the callback reserve the line budget keeps
    lines = plan.calls + plan.spare + 10
    toml.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{db_path.name}"\n'
                    f"[trunk]\nmax_calls_per_s = {plan.calls_per_s}\nmax_lines = {lines}\n"
                    f"{PERIOD}")
    port = ports.free_tcp_port()
    with (workdir / "service.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bench.soak_service", "--sandbox", state.dir,
            "--config", str(toml), "--port", str(port), "--seats", str(plan.operators),
            "--batch", str(batch), "--ring-s", str(plan.ring_s), "--talk-s", str(plan.talk_s),
            *(["--quick-logins"] if plan.quick_logins else []),
            cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        await _healthy(process, url, workdir / "service.log")
        yield process.pid, url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def _healthy(process: asyncio.subprocess.Process, url: str, log: Path) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.returncode is not None:
                raise RuntimeError(f"the service exited: {_tail(log)}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{url}/api/health") as response:
                    if response.status == 200 and (await response.json())["ami_connected"]:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the service did not become healthy: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


async def _drive(state: SandboxState, plan: Plan, pid: int, url: str, watch: CallWatch,
                 db_path: Path, phases: Phases) -> Run:
    consoles = [ConsoleUser(url) for _ in range(plan.consoles)]
    board = ConsoleUser(url)
    tasks: list[asyncio.Task[Any]] = []
    errors: collections.Counter[str] = collections.Counter()
    try:
        await _log_in(consoles, board, plan)
        phases.done("log_in")
        tasks.append(asyncio.create_task(_keep_active([*consoles, board])))
        errors["ready"] = await _go_ready(consoles[:plan.operators])
        tasks += [asyncio.create_task(_operate(user, errors))
                  for user in consoles[:plan.operators]]
        phases.done("ready")
        start = time.perf_counter() + plan.ramp_s
        samples: list[Sample] = []
        tasks.append(asyncio.create_task(_sample(
            samples, plan, pid, state.pid, watch, consoles, start)))
        await asyncio.sleep(start + plan.seconds - time.perf_counter())
        end = time.perf_counter()
        lost = sum(1 for user in [*consoles, board] if user.ws is None or user.ws.closed)
    finally:
        with contextlib.suppress(Exception):  # a task's own error is not the soak's result
            await cancel_all(tasks)
        await asyncio.gather(*(user.close() for user in [*consoles, board]))
    phases.done("calls")
    return Run(plan, samples, watch, consoles, board, (start, end), _outcomes(db_path),
               errors["result"], errors["ready"], lost, phases)


async def _log_in(consoles: list[ConsoleUser], board: ConsoleUser, plan: Plan) -> None:
    logins = [f"op{n:03d}" for n in range(1, plan.consoles + 1)]
    for chunk in range(0, plan.consoles, LOGINS_AT_ONCE):
        await asyncio.gather(*(user.login(login, PASSWORD) for user, login in zip(
            consoles[chunk:chunk + LOGINS_AT_ONCE], logins[chunk:chunk + LOGINS_AT_ONCE],
            strict=True)))
    await board.login(f"kanri{plan.consoles + 1:03d}", PASSWORD, home="/board")
    await asyncio.gather(*(user.connect() for user in consoles), board.connect("/ws/board"))


async def _go_ready(operators: list[ConsoleUser]) -> int:
    """Each operator ready on a seat of their own (ten at a time); how many were refused."""
    seats, refused = seat_names(len(operators)), 0
    for chunk in range(0, len(operators), 10):
        answers = await asyncio.gather(*(
            user.post("/api/console/ready", {"seat": seat})
            for user, seat in zip(operators[chunk:chunk + 10], seats[chunk:chunk + 10],
                                  strict=True)))
        refused += sum(1 for status, _ in answers if status != 200)
    return refused


async def _keep_active(users: list[ConsoleUser]) -> None:
    """What a browser does on input: an ``activity`` message, from each console in turn."""
    while True:
        for user in users:
            if user.ws is not None and not user.ws.closed:
                await user.ws.send_json({"type": "activity"})
            await asyncio.sleep(ACTIVITY_EVERY_S / len(users))


async def _operate(user: ConsoleUser, errors: collections.Counter[str]) -> None:
    """An operator: each result saved at wrap-up; a refused save counted."""
    def answered(status: int, _answer: object) -> None:
        errors["result"] += status != 200

    await save_each_result(user, answered)


async def _sample(samples: list[Sample], plan: Plan, pid: int, asterisk: int, watch: CallWatch,
                  consoles: list[ConsoleUser], start: float) -> None:
    while True:
        samples.append(Sample(
            at=time.perf_counter() - start, rss_mb=rss_mb(pid), asterisk_rss_mb=rss_mb(asterisk),
            cpu_s=cpu_s(pid), asterisk_cpu_s=cpu_s(asterisk), calls_up=watch.up(),
            talking=watch.talking(), waiting=sum(last_state(u) == "ready" for u in consoles),
            frames=sum(len(user.frames) for user in consoles),
            open_websockets=sum(1 for u in consoles if u.ws is not None and not u.ws.closed)))
        await asyncio.sleep(plan.sample_s)


def _outcomes(db_path: Path) -> dict[str, int]:
    """How the attempts ended so far: {result code ("" none, "open" not yet): count}."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=10)) as conn:
        rows = conn.execute("SELECT result_code FROM attempts").fetchall()
    return dict(collections.Counter("open" if code is None else code for (code,) in rows))


async def _quiet(link: CallWatch, timeout_s: float = 30.0) -> None:
    """The sandbox left without a channel: the residents still talking end by themselves;
    whatever is left after ``timeout_s`` is hung up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if await channels_up(link) == 0:
                return
        await asyncio.sleep(0.5)
    with contextlib.suppress(Exception):
        for channel in await link.channels(timeout_s=10, wait_login=False):
            if channel.name:
                await link.hangup(channel.name)
