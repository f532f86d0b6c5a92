"""Screen-pop latency: from Asterisk's BridgeEnter event to the record's websocket frame in the
operator's console, with 200 consoles connected.

Run: `python -m tests.bench.bench_screenpop` (part of `make bench`).

The whole service path after Asterisk: the AMI event goes through the translator and the
attempt state machine (CampaignRunner.handle, which also writes the phase to the database),
the operator moves to ON_CALL, the console service loads the record from SQLite and writes the
record view into the hash-chained access log, and the websocket handler sends the frame over
real loopback TCP to one of 200 logged-in aiohttp clients. Baseline in the same run: a bare
hub message to the same console (the websocket alone). Figures: sequential pops (one at a
time), and a burst (every operator bridged at the same instant).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select, update

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters import passwords
from dialer.adapters.ami import AmiLink
from dialer.adapters.db import migrate, users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Target, TargetPhone, User
from dialer.demo.seed import write_demo_file
from dialer.domain.attempt import Attempt, Phase
from dialer.domain.attempt_store import Candidate
from dialer.domain.call_events import ChannelBridged
from dialer.pbx.ports import free_tcp_port
from dialer.services.calls.runner import CampaignRunner, InFlight
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.sessions import OperatorSessions
from dialer.services.intake.importer import ImportRequest, import_file
from dialer.services.runtime.live import LiveHub, operator_topic
from dialer.services.supervision.health import Health
from tests.bench.results import merge, percentile
from tests.support.attempts import placed
from tests.support.console_client import ConsoleUser, record_shown

CONSOLES = 200
SEQUENTIAL = 400
PASSWORD = "bench-password-1"


class Centre:
    """The service parts between the AMI event and the console, on a real SQLite file."""

    def __init__(self, workdir: Path) -> None:
        (workdir / "dialer.toml").write_text('[database]\nurl = "sqlite+aiosqlite:///c.db"\n')
        self.settings = config.load(workdir / "dialer.toml")
        self.database = Database(self.settings)
        self.link = AmiLink(self.settings.ami)  # never connected: events are fed in directly
        self.pool = OperatorPool()
        self.store = DbAttemptStore(self.database, self.settings.classification,
                                    self.settings.tz)
        self.runner = CampaignRunner(
            self.link, self.store, self.pool, lambda: config.calendar(self.settings),
            self.settings.classification, self.settings.centre.dedicated_number, self.now)
        self.hub = LiveHub()
        self.console = OperatorConsole(
            self.database, self.pool, OperatorSessions(self.link, self.pool, self.now),
            self.runner, self.store, lambda _call: (), lambda: self.settings, self.now,
            self.hub)
        self.workdir = workdir

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def seed(self) -> tuple[list[tuple[int, str]], list[Candidate]]:
        await migrate.upgrade_database(self.database)
        path = write_demo_file(self.workdir / "targets.csv", count=CONSOLES)
        batch = (await import_file(self.database, self.settings, ImportRequest(
            path, "hoikuryo", "2027-01"))).batch
        operators = []
        async with self.database.engine.begin() as conn:
            for n in range(CONSOLES):
                login = f"op{n:03d}"
                operators.append((await users.add(conn, login, login, "operator"), login))
            rows = await conn.execute(select(Target.id, TargetPhone.number).join(
                TargetPhone, TargetPhone.target_id == Target.id).order_by(TargetPhone.position))
            first = {target: number for target, number in reversed(rows.all())}
            candidates = [Candidate(batch, target, 0, number) for target, number in first.items()]
            # one argon2 hash for all (the bench measures pops, not password hashing)
            await conn.execute(update(User).values(
                password_hash=passwords.hash_password(PASSWORD), must_change=False))
        return operators, candidates

    async def health(self) -> Health:
        return Health("bench", "", True, "", True)


async def pop(centre: Centre, user: ConsoleUser, user_id: int, candidate: Candidate,
              attempt_id: str) -> float:
    """Bridge one call to ``user_id``; seconds from the AMI event to the record frame."""
    now = centre.now()
    await placed(centre.database, attempt_id, candidate, user_id, now)  # targets called again
    centre.pool.reserve(user_id, attempt_id, now)
    centre.runner.in_flight[attempt_id] = InFlight(Attempt(attempt_id, phase=Phase.ANSWERED),
                                                   candidate.number, user_id, now)
    mark = len(user.frames)
    started = time.perf_counter()
    await centre.runner.handle(ChannelBridged(attempt_id))
    await user.frame(record_shown, timeout_s=10, after=mark)
    return user.arrived_at[user.matched] - started


def hang_up(centre: Centre, user_id: int, attempt_id: str) -> None:
    centre.pool.talk_ended(attempt_id, centre.now())
    centre.pool.result_saved(user_id, centre.now())
    centre.runner.in_flight.pop(attempt_id, None)


async def bare_frame(centre: Centre, user: ConsoleUser, user_id: int) -> float:
    mark = len(user.frames)
    started = time.perf_counter()
    centre.hub.publish(operator_topic(user_id), {"type": "ping"})
    await user.frame(lambda f: f.get("type") == "ping", timeout_s=10, after=mark)
    return user.arrived_at[user.matched] - started


async def measure(workdir: Path) -> dict[str, Any]:
    centre = Centre(workdir)
    operators, candidates = await centre.seed()
    app = create_app(Backend(centre.health, database=centre.database,
                             settings=lambda: centre.settings, clock=centre.now,
                             console=centre.console, hub=centre.hub))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_tcp_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    clients = [ConsoleUser(f"http://127.0.0.1:{port}") for _ in operators]
    console_task = asyncio.create_task(centre.console.run(), name="console")
    try:
        for chunk in range(0, CONSOLES, 20):  # argon2: 20 logins at a time
            await asyncio.gather(*(c.login(login, PASSWORD) for c, (_i, login)
                                   in zip(clients[chunk:chunk + 20],
                                          operators[chunk:chunk + 20], strict=True)))
        await asyncio.gather(*(c.connect() for c in clients))
        for user_id, login in operators:
            centre.pool.add(user_id, login, f"seat-{login}")
            centre.pool.connect(user_id, f"PJSIP/seat-{login}-1", centre.now())
        connected = centre.hub.count()
        sequential, baseline = [], []
        for n in range(SEQUENTIAL):
            k = n % CONSOLES
            user_id = operators[k][0]
            attempt_id = f"att-seq-{n}"
            sequential.append(await pop(centre, clients[k], user_id,
                                        candidates[n % len(candidates)], attempt_id))
            hang_up(centre, user_id, attempt_id)
            baseline.append(await bare_frame(centre, clients[k], user_id))
        burst = await asyncio.gather(*(
            pop(centre, clients[k], operators[k][0], candidates[k], f"att-burst-{k}")
            for k in range(CONSOLES)))
    finally:
        console_task.cancel()
        try:
            await console_task
        except asyncio.CancelledError:
            pass
        await asyncio.gather(*(c.close() for c in clients))
        await runner.cleanup()
        await centre.database.close()
    ms = 1000.0
    return {
        "screenpop_consoles": connected,
        "screenpop_latency_ms_p50": round(percentile(sequential, 50) * ms, 2),
        "screenpop_latency_ms_p99": round(percentile(sequential, 99) * ms, 2),
        "screenpop_ws_baseline_ms_p50": round(percentile(baseline, 50) * ms, 2),
        "screenpop_ws_baseline_ms_p99": round(percentile(baseline, 99) * ms, 2),
        "screenpop_burst_ms_p50": round(percentile(list(burst), 50) * ms, 2),
        "screenpop_burst_ms_p99": round(percentile(list(burst), 99) * ms, 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(Path(tmp)))
    merge(figures)
    f = figures
    print(f"screen-pop, {f['screenpop_consoles']} consoles connected      p50      p99")
    print(f"  AMI BridgeEnter -> record frame  {f['screenpop_latency_ms_p50']:8.2f} "
          f"{f['screenpop_latency_ms_p99']:8.2f} ms  ({SEQUENTIAL} pops, one at a time)")
    print(f"  baseline: bare websocket frame   {f['screenpop_ws_baseline_ms_p50']:8.2f} "
          f"{f['screenpop_ws_baseline_ms_p99']:8.2f} ms")
    print(f"  burst: {CONSOLES} bridged at once     {f['screenpop_burst_ms_p50']:8.2f} "
          f"{f['screenpop_burst_ms_p99']:8.2f} ms")
    ratio = f["screenpop_latency_ms_p50"] / max(f["screenpop_ws_baseline_ms_p50"], 0.001)
    print(f"  ratio pop/baseline (p50)         {ratio:8.1f}x   target: p99 < 50 ms")


if __name__ == "__main__":
    main()
