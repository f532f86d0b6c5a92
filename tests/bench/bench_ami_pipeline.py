"""AMI events through the service's whole path, against panoramisk's own parser on the same bytes.

    python -m tests.bench.bench_ami_pipeline [--calls 3000] [--sustained-s 25] [--rate 1000]

A fake Asterisk (``tests/bench/ami_stream.py``, its own process, loopback TCP) answers the Login
and streams the events of many overlapping calls (34 per answered call, 12 per busy or
unanswered one; 30% answered) whose channels carry the ids of attempts the campaign runner has in
flight. The service side is the real one: ``AmiLink`` (panoramisk: read, parse, dispatch) fans
every event, translated once into a typed event, out to the subscribers that asked for its kind
— the runner and, as in ``dialer serve``, the inbound call tracker (events nobody wants are
dropped there) — and ``CampaignRunner.event_loop`` steps each attempt's state machine and writes
every phase change and result to SQLite (``DbAttemptStore``, a temp file; a finished call also
plans the target's retry).

- throughput: ``--calls`` calls streamed as fast as the service takes them; every streamed event
  counts, from the connection to the last event the runner has written (``ami_events_per_s``).
  Baseline in the same run: panoramisk's protocol parser (``AMIProtocol.data_received`` ->
  ``Message.from_line`` -> dispatch) fed the same byte stream from memory in 64 KiB reads,
  nothing else (``ami_events_per_s_baseline``, best of three). Target: >= 35% of the baseline.
- sustained: ``--rate`` events/s for ``--sustained-s`` s; lag = written - sent (the block's
  ``Timestamp``, carried by the typed events that have one: answers, bridges, hangups), p50/p99
  over the first and the last 5 s (``ami_lag_ms_start_p99``, ``ami_lag_ms_end_p99``). Target: no
  growth.

Every call's attempt must end in the database (``ami_calls_persisted`` = calls streamed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from panoramisk.ami_protocol import AMIProtocol

from dialer.adapters.ami import AmiLink
from dialer.adapters.ami_events import translate
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.domain.attempt import Attempt, Phase
from dialer.domain.call_events import CallEvent
from dialer.pbx.ports import free_tcp_port
from dialer.services.callbacks import tracker
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import FOLLOWED, CampaignRunner, InFlight
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.runtime.tasks import cancel_all
from tests.bench import ami_stream, seed
from tests.bench.results import merge, percentile

WINDOW_S = 5.0


class TimedRunner(CampaignRunner):
    """The campaign runner, noting when each event was applied and written, and how late."""

    expected = 0  # the events the runner is to receive
    received = 0
    last_written = 0.0
    handled: list[tuple[float, float]]  # (written at, sent at), of the timestamped events
    applied: list[float]  # sent at, of the events applied but not yet written
    finished: asyncio.Event

    async def handle(self, event: CallEvent) -> None:
        await super().handle(event)
        self.received += 1
        if at := getattr(event, "at", 0.0):
            self.applied.append(at)

    def written(self, at: float) -> None:
        self.handled += [(at, sent) for sent in self.applied]
        self.applied.clear()
        self.last_written = at
        if self.received >= self.expected:
            self.finished.set()


class TimedStore(DbAttemptStore):
    """The database store, telling the runner when a burst's writes are committed."""

    on_written: Any = None

    @contextlib.asynccontextmanager
    async def batched(self) -> AsyncIterator[None]:
        async with super().batched():
            yield
        self.on_written(time.time())


# --- baseline: panoramisk's parser alone ------------------------------------------------------
class _Sink:
    """What AMIProtocol needs of its manager: a dispatch that only counts."""

    def __init__(self) -> None:
        self.events = 0

    def dispatch(self, _message: Any) -> None:
        self.events += 1


class _NoTransport:
    def write(self, _data: bytes) -> None: ...

    def close(self) -> None: ...


def baseline(data: bytes, events: int) -> float:
    """Events/s of panoramisk's parser over ``data`` (best of three)."""
    best = 0.0
    for _ in range(3):
        protocol, sink = AMIProtocol(), _Sink()
        protocol.connection_made(_NoTransport())
        protocol.factory = sink
        start = time.perf_counter()
        protocol.data_received(ami_stream.BANNER)
        for offset in range(0, len(data), 65536):
            protocol.data_received(data[offset:offset + 65536])
        seconds = time.perf_counter() - start
        if sink.events != events:
            raise RuntimeError(f"panoramisk parsed {sink.events} events, not {events}")
        best = max(best, events / seconds)
    return best


# --- the service side -------------------------------------------------------------------------
def prepare(workdir: Path, calls: int) -> tuple[Path, int]:
    """A database with ``calls`` targets, each with an attempt on the line (phase dialing)."""
    path = workdir / "pipeline.sqlite3"
    batch = seed.create(path, calls)
    stamp = seed.NOW.strftime(seed.STAMP)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(
            "INSERT INTO attempts (id, batch_id, target_id, phone_index, phase, created_at,"
            " dialed_at, direction) VALUES (?, ?, ?, 0, 'dialing', ?, ?, 'out')",
            ((ami_stream.attempt_id(n), batch, n + 1, stamp, stamp) for n in range(calls)))
        conn.execute("UPDATE targets SET attempts = 1")
    return path, batch


async def run_phase(path: Path, first: int, calls: int, per_s: float
                    ) -> tuple[TimedRunner, int, float]:
    """Serve calls ``first``…; return the runner once every event is handled, the calls
    persisted, and the events/s from the connection to the last write."""
    events = ami_stream.interleaved(first, calls)
    port = free_tcp_port()
    ready = multiprocessing.get_context("spawn").Event()
    server = multiprocessing.get_context("spawn").Process(
        target=ami_stream.run_server, args=(port, first, calls, per_s, ready), daemon=True)
    server.start()
    settings = seed.settings_for(path)
    database = Database(settings)
    link = AmiLink(dataclasses.replace(settings.ami, port=port))
    store = TimedStore(database, settings.classification, settings.tz)
    runner = TimedRunner(link, store, OperatorPool(), lambda: None,  # type: ignore
                         settings.classification, settings.centre.dedicated_number, seed_clock)
    runner.expected = sum(isinstance(translate(e), FOLLOWED) for e in events)
    runner.handled, runner.applied = [], []
    runner.finished, store.on_written = asyncio.Event(), runner.written
    for call in range(first, first + calls):
        attempt = ami_stream.attempt_id(call)
        runner.in_flight[attempt] = InFlight(Attempt(attempt, Phase.DIALING), f"090{call:08d}",
                                             None, seed.NOW)
    inbound = InboundTracker()
    tasks = [asyncio.create_task(runner.event_loop()),
             asyncio.create_task(inbound.run(link.subscribe(*tracker.EVENTS)))]
    try:
        await asyncio.to_thread(ready.wait, 60)
        started = time.time()
        await link.connect(30)
        await asyncio.wait_for(runner.finished.wait(), 600)
        rate = len(events) / (runner.last_written - started)
        persisted = await _ended(database, first, calls)
    finally:
        await cancel_all(tasks)
        await link.close()
        await database.close()
        await asyncio.to_thread(server.join, 10)
        if server.is_alive():
            server.kill()
    return runner, persisted, rate


def seed_clock() -> Any:
    return seed.NOW


async def _ended(database: Database, first: int, calls: int) -> int:
    ids = {ami_stream.attempt_id(n) for n in range(first, first + calls)}
    async with database.engine.connect() as conn:
        rows = await conn.exec_driver_sql(
            "SELECT id FROM attempts WHERE phase IN ('done', 'wrap_up')")
        return sum(1 for (attempt,) in rows if attempt in ids)


# --- figures ----------------------------------------------------------------------------------
def lag_windows(runner: TimedRunner) -> dict[str, float]:
    start = min(at for _handled, at in runner.handled)
    end = max(at for _handled, at in runner.handled)
    first = [(h - at) * 1000 for h, at in runner.handled if at - start <= WINDOW_S]
    last = [(h - at) * 1000 for h, at in runner.handled if end - at <= WINDOW_S]
    return {"ami_lag_ms_start_p50": round(percentile(first, 50), 2),
            "ami_lag_ms_start_p99": round(percentile(first, 99), 2),
            "ami_lag_ms_end_p50": round(percentile(last, 50), 2),
            "ami_lag_ms_end_p99": round(percentile(last, 99), 2),
            "ami_sustained_s": round(end - start, 1)}


async def measure(workdir: Path, calls: int, sustained_s: float, rate: float
                  ) -> dict[str, float]:
    events_per_call = len(ami_stream.interleaved(0, 1000)) / 1000
    sustained_calls = int(sustained_s * rate / events_per_call) + 1
    path, _batch = await asyncio.to_thread(prepare, workdir, calls + sustained_calls)
    events = ami_stream.interleaved(0, calls)
    base = baseline(ami_stream.stream_bytes(events), len(events))
    _fast, fast_persisted, rate_fast = await run_phase(path, 0, calls, 0)
    steady, steady_persisted, _rate = await run_phase(path, calls, sustained_calls, rate)
    streamed = len(events) + len(ami_stream.interleaved(calls, sustained_calls))
    return {
        "ami_events_per_s": round(rate_fast),
        "ami_events_per_s_baseline": round(base),
        "ami_pipeline_share_of_baseline": round(rate_fast / base, 3),
        "ami_events_streamed": streamed,
        "ami_calls_streamed": calls + sustained_calls,
        "ami_calls_persisted": fast_persisted + steady_persisted,
        "ami_sustained_events_per_s": rate,
        **lag_windows(steady),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--sustained-s", type=float, default=25.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f = asyncio.run(measure(Path(tmp), args.calls, args.sustained_s, args.rate))
    merge(f)
    print("AMI events through the service (parse, translate, fan-out, attempt machine, SQLite)")
    print(f"  throughput  {f['ami_events_per_s']:>9,} events/s   panoramisk parser alone "
          f"{f['ami_events_per_s_baseline']:,} events/s -> "
          f"{f['ami_pipeline_share_of_baseline']:.0%} of it (target >= 35%)")
    print(f"  sustained {f['ami_sustained_events_per_s']:,.0f} events/s for "
          f"{f['ami_sustained_s']:.0f} s: lag p50/p99 first {WINDOW_S:.0f} s "
          f"{f['ami_lag_ms_start_p50']:.1f}/{f['ami_lag_ms_start_p99']:.1f} ms, last "
          f"{f['ami_lag_ms_end_p50']:.1f}/{f['ami_lag_ms_end_p99']:.1f} ms")
    print(f"  {f['ami_calls_persisted']:,} of {f['ami_calls_streamed']:,} calls ended in the "
          f"database ({f['ami_events_streamed']:,} events)")


if __name__ == "__main__":
    main()
