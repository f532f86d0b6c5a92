"""Real calls on the sandbox Asterisk: the originate rate the service sustains, its CPU cost per
call, and the carrier's calls-per-second limit ([trunk] max_calls_per_s) holding.

    python -m tests.bench.bench_originate [--seats 160] [--run-s 20] [--limit 3] [--limit-s 15]

The service side is the real dial path: ``CampaignRunner`` (progressive: one reserved operator per
call, calendar and exclusions checked before each Originate, the token bucket) with a
``DbAttemptStore`` on a SQLite file holding 20,000 targets, ``AmiLink`` to a sandbox Asterisk 22,
the runner's event loop following every call, autopilot operators saving a result as soon as
a call ends. Residents and seat phones are Local channels (``asterisk_conf/sandbox/
extensions_sandbox.conf``): a resident rings 1 s, answers, talks 2 s and hangs up; a seat phone
stays connected in ``operator-session`` and each answered resident is bridged to it by the
production dialplan (``dialer-outbound``). The Originate is the runner's own, with only its
``Channel`` turned from ``PJSIP/<number>@pstn`` into ``Local/<number>@bench-callee``.

1. capacity: the limit set out of the way (1000/s), ``--seats`` operators: calls placed per
   second over ``--run-s`` (``originate_calls_per_s``), Originates that failed or calls that
   ended otherwise than talked (``originate_failed``), CPU per call of the service process and
   of Asterisk, from ``/proc/<pid>/stat`` over the run (``cpu_ms_per_call``, and both parts).
2. the limit: ``[trunk] max_calls_per_s = --limit``, the same seats: the measured rate and the
   most calls seen in any one second (``originate_limit_calls_per_s`` <= the limit).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dialer import config
from dialer.adapters.ami import AmiLink, Originate
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt
from dialer.config_sections import AmiSettings
from dialer.demo.autopilot import autopilot
from dialer.domain.call_events import OriginateFinished
from dialer.pbx import sandbox
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seats import SESSION_CONTEXT
from dialer.services.runtime.tasks import cancel_all
from tests.asterisk.kit import PERIOD, until
from tests.bench import seed
from tests.bench.local_calls import local_fields
from tests.bench.results import merge
from tests.bench.serve_like import open_clock

TARGETS = 20_000
TALK_S, RING_S = 2, 1
UNLIMITED = 1000.0
TICKS = os.sysconf("SC_CLK_TCK")


class LocalCallees(AmiLink):
    """The AMI link, with the runner's Originates sent to a Local-channel resident."""

    def __init__(self, settings: AmiSettings) -> None:
        super().__init__(settings)
        self.sent: list[float] = []
        self.ids: list[str] = []

    def originate(self, fields: Originate, channel_id: str) -> None:
        super().originate(local_fields(fields, RING_S, TALK_S), channel_id)
        if channel_id.startswith("att-"):
            self.sent.append(time.monotonic())
            self.ids.append(channel_id)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def connect_seats(link: AmiLink, count: int) -> list[str]:
    """``count`` seat phones (Local channels) connected into operator-session."""
    events = link.subscribe(OriginateFinished)
    ids = {f"seat-bench-{n:03d}": n for n in range(count)}
    channels: dict[int, str] = {}
    try:
        for channel_id, n in ids.items():
            link.originate(Originate(f"Local/seat{n:03d}@bench-seat/n", 10000,
                                     '"dialer" <0>', SESSION_CONTEXT, "s"), channel_id)
        while len(channels) < count:
            event = await asyncio.wait_for(events.get(), 30)
            if isinstance(event, OriginateFinished) and event.channel_id in ids:
                if not event.success:
                    raise RuntimeError(f"seat {event.channel_id} did not connect: {event}")
                channels[ids[event.channel_id]] = event.channel
    finally:
        link.unsubscribe(events)
    return [channels[n] for n in range(count)]


@dataclasses.dataclass
class Run:
    calls: int
    seconds: float
    rate: float
    peak_per_s: int
    failed: int
    service_cpu_s: float
    asterisk_cpu_s: float
    outcomes: dict[str, int]


async def run_campaign(state: sandbox.SandboxState, db_path: Path, batch: int, seats: int,
                       seconds: float, limit: float) -> Run:
    (db_path.parent / "bench.toml").write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{db_path.name}"\n'
        f"[trunk]\nmax_calls_per_s = {limit}\n{PERIOD}")
    settings = config.load(db_path.parent / "bench.toml")
    calendar = config.calendar(settings)
    database = Database(settings)
    link = LocalCallees(state.ami())
    pool = OperatorPool()
    clock = open_clock()
    runner = CampaignRunner(link, DbAttemptStore(database, settings.classification, settings.tz),
                            pool, lambda: calendar, settings.classification,
                            settings.centre.dedicated_number, clock, tick_s=0.1,
                            max_calls_per_s=settings.trunk.max_calls_per_s)
    failures = link.subscribe(OriginateFinished)
    await link.connect(10)
    channels = await connect_seats(link, seats)
    for user_id, channel in enumerate(channels, start=1):
        pool.add(user_id, f"op{user_id:03d}", f"seat{user_id:03d}")
        pool.connect(user_id, channel, clock())
    link.sent.clear()
    link.ids.clear()
    runner.open(Campaign(batch_id=batch, debt_type="hoikuryo", ring_timeout_s=10))
    tasks = [asyncio.create_task(loop) for loop in (
        runner.event_loop(), runner.dial_loop(),
        autopilot(runner, pool, wrap_s=0, codes=("101",), talk_max_s=30))]
    service0, asterisk0, started = cpu_s(os.getpid()), cpu_s(state.pid), time.monotonic()
    try:
        await asyncio.sleep(seconds)
        runner.close(batch)  # no new call; those on the line end
        await until(lambda: not runner.in_flight and len(pool.ready()) == seats, 30)
        service, asterisk = cpu_s(os.getpid()) - service0, cpu_s(state.pid) - asterisk0
    finally:
        await cancel_all(tasks)
        with contextlib.suppress(Exception):
            await asyncio.gather(*(link.hangup(c) for c in channels))
            for _ in range(50):  # the seats' channels gone before the next run or the stop
                if await channels_up(link) == 0:
                    break
                await asyncio.sleep(0.2)
        outcomes = await results_of(database, link.ids)
        await link.close()
        await database.close()
    sent = [t - started for t in link.sent]
    failed = sum(1 for event in _drain(failures) if isinstance(event, OriginateFinished)
                 and event.channel_id.startswith("att-") and not event.success)
    failed += sum(n for code, n in outcomes.items() if code != "101")
    if failed:
        print(f"  calls that did not end as talked: {outcomes}")
    span = (sent[-1] - sent[0]) if len(sent) > 1 else 1.0
    return Run(calls=len(sent), seconds=span, rate=(len(sent) - 1) / span,
               peak_per_s=_peak(sent), failed=failed, service_cpu_s=service,
               asterisk_cpu_s=asterisk, outcomes=outcomes)


async def channels_up(link: AmiLink) -> int:
    return len(await link.channels(timeout_s=10, wait_login=False))


async def results_of(database: Database, ids: list[str]) -> dict[str, int]:
    """How the given attempts ended: {result code ("" none): count}."""
    async with database.engine.connect() as conn:
        rows = await conn.execute(select(Attempt.result_code).where(Attempt.id.in_(ids)))
        return dict(collections.Counter(code or "" for (code,) in rows))


def _drain(queue: asyncio.Queue[Any]) -> list[Any]:
    return [queue.get_nowait() for _ in range(queue.qsize())]


def _peak(instants: list[float]) -> int:
    """The most calls placed within any one second."""
    best, first = 0, 0
    for last, at in enumerate(instants):
        while at - instants[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


async def measure(state: sandbox.SandboxState, workdir: Path, seats: int, run_s: float,
                  limit: float, limit_s: float) -> dict[str, float]:
    db_path = workdir / "originate.sqlite3"
    batch = await asyncio.to_thread(seed.create, db_path, TARGETS)
    await asyncio.to_thread(seed.add_users, db_path, seats)
    full = await run_campaign(state, db_path, batch, seats, run_s, UNLIMITED)
    held = await run_campaign(state, db_path, batch, seats, limit_s, limit)
    per_call = 1000 / max(full.calls, 1)
    return {
        "originate_calls_per_s": round(full.rate, 2),
        "originate_calls": full.calls,
        "originate_peak_calls_in_1s": full.peak_per_s,
        "originate_failed": full.failed + held.failed,
        "originate_seats": seats,
        "cpu_ms_per_call": round((full.service_cpu_s + full.asterisk_cpu_s) * per_call, 2),
        "cpu_ms_per_call_service": round(full.service_cpu_s * per_call, 2),
        "cpu_ms_per_call_asterisk": round(full.asterisk_cpu_s * per_call, 2),
        "originate_limit": limit,
        "originate_limit_calls_per_s": round(held.rate, 3),
        "originate_limit_peak_calls_in_1s": held.peak_per_s,
        "originate_limit_calls": held.calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seats", type=int, default=160)
    parser.add_argument("--run-s", type=float, default=20.0)
    parser.add_argument("--limit", type=float, default=3.0)
    parser.add_argument("--limit-s", type=float, default=15.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "sandbox"
        state = sandbox.up(config.load(None), directory)
        try:
            f = asyncio.run(measure(state, Path(tmp), args.seats, args.run_s, args.limit,
                                    args.limit_s))
        finally:
            sandbox.down(directory)
    merge(f)
    print(f"real calls on the sandbox ({f['originate_seats']} operators, residents ring "
          f"{RING_S} s and talk {TALK_S} s)")
    print(f"  sustained {f['originate_calls_per_s']:.1f} calls/s ({f['originate_calls']} calls, "
          f"at most {f['originate_peak_calls_in_1s']} in one second); failed "
          f"{f['originate_failed']}")
    print(f"  CPU per call {f['cpu_ms_per_call']:.1f} ms = service "
          f"{f['cpu_ms_per_call_service']:.1f} + Asterisk {f['cpu_ms_per_call_asterisk']:.1f}")
    ok = f["originate_limit_calls_per_s"] <= f["originate_limit"]
    print(f"  limit {f['originate_limit']:g}/s: measured {f['originate_limit_calls_per_s']:.2f}"
          f" calls/s, at most {f['originate_limit_peak_calls_in_1s']} in one second "
          f"({f['originate_limit_calls']} calls) {'ok' if ok else 'OVER THE LIMIT'}")


if __name__ == "__main__":
    main()
