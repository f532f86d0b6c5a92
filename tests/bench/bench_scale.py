"""Scale: choosing the next target costs the same for 1,000 and for 1,000,000 targets, and the
service's memory does not grow with the batch.

    python -m tests.bench.bench_scale [--sizes 1000,100000,1000000] [--service-s 20]

For each size, one batch is written straight into a migrated SQLite file (``tests/bench/seed.py``,
bulk inserts, two numbers per target) and ``DbAttemptStore.next_candidate`` is timed over 200
calls in a fresh process whose peak RSS is its own. Each call is followed, untimed, by what the
dial loop does next — the attempt's ``create``; 30 calls stay on the line, the oldest ends busy
(``finish``) — so every call finds a new target. Two states: ``fresh`` (the first pass, nothing
called yet) and ``retry`` (a later day: every target called before, 40% finished, 35% waiting
for their retry time, 25% due again). Beside it in the same run, "before": the query as it was
before migration 0008 — one ORDER BY over the batch's due targets, a sort of the whole batch
at every call — on the schema without ``ix_targets_due`` (fewer calls at the large sizes: it
takes a second each at 1,000,000). Every run starts from a copy of the same file.

``service_rss_mb_100k_targets`` (``service_rss_mb_1k_targets`` beside it): RSS (VmRSS,
``/proc/self/status``) after the run, and its peak (VmHWM, ``service_peak_rss_mb_*``; it
includes the 64 MiB argon2id uses for one password hash, at start and at each login), of a
process holding what ``dialer serve`` holds apart from the
Asterisk connection (``tests/bench/serve_like.py``): database, campaign runner with 20
autopilot operators and the carrier limit, operator console, live hub with a supervisor board
subscribed (recomputed every second), the aiohttp web app listening — with the campaign dialing
the batch for ``--service-s`` seconds. Its AMI link answers every Originate itself with
Asterisk's events (30% answered and talked 2 s, the rest busy), so the runner's whole path runs;
``service_calls_placed_*`` says how many calls it made.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select

from dialer.adapters.db import attempts as attempts_db
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Exclusion, Target
from dialer.domain.attempt import Phase
from dialer.domain.attempt_store import Candidate
from tests.bench import seed
from tests.bench.results import ROOT, merge, percentile

SIZES = (1_000, 100_000, 1_000_000)
CALLS = 200
WARM_UP = 3
IN_FLIGHT = 30  # calls on the line while the next target is chosen
INDEX = "ix_targets_due"


def label(size: int) -> str:
    return f"{size // 1_000_000}m" if size >= 1_000_000 else f"{size // 1_000}k"


def calls_before(size: int) -> int:
    return CALLS if size <= 10_000 else 20 if size <= 100_000 else 5


# --- the store before migration 0008 ----------------------------------------------------------
class SortedStore(DbAttemptStore):
    """``next_candidate`` as it was: one query sorting every due target of the batch."""

    async def next_candidate(self, batch_id: int, now: datetime,
                             busy_numbers: frozenset[str]) -> Candidate | None:
        open_attempt = exists().where(Attempt.target_id == Target.id,
                                      Attempt.result_code.is_(None),
                                      Attempt.phase != Phase.DONE.value)
        query = (select(Target.id, Target.phone_index)
                 .where(Target.batch_id == batch_id, Target.done.is_(False),
                        (Target.next_due_at.is_(None)) | (Target.next_due_at <= now),
                        ~exists().where(Exclusion.target_id == Target.id), ~open_attempt)
                 .order_by(Target.attempts, func.coalesce(Target.next_due_at, now), Target.id)
                 .limit(20))
        async with self._db.engine.connect() as conn:
            for target_id, index in await conn.execute(query):
                numbers = await attempts_db._numbers(conn, target_id)
                if index < len(numbers) and numbers[index] not in busy_numbers:
                    return Candidate(batch_id, target_id, index, numbers[index])
        return None


# --- one measurement, in a process of its own -------------------------------------------------
def lookups(path: Path, batch: int, calls: int, before: bool) -> dict[str, Any]:
    async def run() -> list[float]:
        settings = seed.settings_for(path)
        database = Database(settings)
        kind = SortedStore if before else DbAttemptStore
        store = kind(database, settings.classification, settings.tz)
        times: list[float] = []
        in_flight: collections.deque[str] = collections.deque()
        try:
            for n in range(calls + WARM_UP):
                start = time.perf_counter()
                candidate = await store.next_candidate(batch, seed.NOW, frozenset())
                if n >= WARM_UP:
                    times.append(time.perf_counter() - start)
                if candidate is None:
                    raise RuntimeError("the batch ran out of due targets")
                in_flight.append(f"att-bench-{before}-{n}")
                await store.create(in_flight[-1], candidate, None, seed.NOW)
                if len(in_flight) > IN_FLIGHT:  # the oldest call ends: busy, retried later
                    await store.finish(in_flight.popleft(), Phase.DONE, "S01", seed.NOW)
        finally:
            await database.close()
        return times

    times = asyncio.run(run())
    return {"p50_ms": percentile(times, 50) * 1000, "p99_ms": percentile(times, 99) * 1000,
            "calls": len(times), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            / 1024}


def child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.bench.bench_scale", "--child", *args],
                          cwd=ROOT, check=False, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"bench_scale {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    out = done.stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def measured_copy(path: Path, before: bool, calls: int, batch: int) -> dict[str, Any]:
    """One run on a copy of ``path`` (each run starts from the same state), the index of
    migration 0008 dropped for "before"."""
    copy = path.with_suffix(".run.sqlite3")
    shutil.copyfile(path, copy)
    try:
        if before:
            with contextlib.closing(sqlite3.connect(copy)) as conn, conn:
                conn.execute(f"DROP INDEX {INDEX}")
        return child("lookups", str(copy), str(batch), str(calls), "1" if before else "")
    finally:
        for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)


def measure_size(tmp: Path, size: int) -> dict[str, dict[str, Any]]:
    path = tmp / f"scale-{size}.sqlite3"
    started = time.perf_counter()
    batch = seed.create(path, size)
    print(f"  {size:>9,} targets written in {time.perf_counter() - started:.1f} s", flush=True)
    out: dict[str, dict[str, Any]] = {}
    for state in ("fresh", "retry"):
        if state == "retry":
            seed.to_retry_state(path)
        out[state] = measured_copy(path, False, CALLS, batch)
        out[f"{state}_before"] = measured_copy(path, True, calls_before(size), batch)
    path.unlink()
    return out


# --- a serve-like process with 100,000 targets ------------------------------------------------
def service(path: Path, batch: int, seconds: float) -> dict[str, Any]:
    from tests.bench.serve_like import run_service

    placed = asyncio.run(run_service(path, batch, seconds))
    status = Path("/proc/self/status").read_text()
    fields = {line.split(":")[0]: line.split()[1] for line in status.splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return {"rss_mb": int(fields["VmRSS"]) / 1024, "peak_mb": int(fields["VmHWM"]) / 1024,
            "placed": placed}


def measure_service(tmp: Path, seconds: float) -> dict[int, dict[str, Any]]:
    """The serve-like process with 1,000 and with 100,000 targets."""
    out = {}
    for size in (1_000, 100_000):
        path = tmp / f"service-{size}.sqlite3"
        batch = seed.create(path, size)
        out[size] = child("service", str(path), str(batch), str(seconds), "")
    return out


# --- the report -------------------------------------------------------------------------------
def figures(sizes: dict[int, dict[str, dict[str, Any]]], served: dict[int, dict[str, Any]]
            ) -> dict[str, float]:
    out: dict[str, float] = {}
    for size, runs in sizes.items():
        n = label(size)
        for run, prefix in (("fresh", "scale_next_ms"), ("retry", "scale_next_retry_ms"),
                            ("fresh_before", "scale_before_next_ms"),
                            ("retry_before", "scale_before_next_retry_ms")):
            out[f"{prefix}_p50_{n}"] = round(runs[run]["p50_ms"], 2)
            out[f"{prefix}_p99_{n}"] = round(runs[run]["p99_ms"], 2)
        out[f"scale_rss_mb_{n}"] = round(max(runs["fresh"]["rss_mb"], runs["retry"]["rss_mb"]), 1)
    for size, run in served.items():
        out[f"service_rss_mb_{label(size)}_targets"] = round(run["rss_mb"], 1)
        out[f"service_peak_rss_mb_{label(size)}_targets"] = round(run["peak_mb"], 1)
        out[f"service_calls_placed_{label(size)}_targets"] = run["placed"]
    return out


def show(sizes: dict[int, dict[str, dict[str, Any]]], served: dict[int, dict[str, Any]]
         ) -> None:
    print(f"next_candidate (ms)   {'targets':>9}  {'p50':>7} {'p99':>7}   before 0008: "
          f"{'p50':>8} {'p99':>8} (calls)   peak RSS")
    for size, runs in sizes.items():
        for state in ("fresh", "retry"):
            now, old = runs[state], runs[f"{state}_before"]
            print(f"  {state:<19} {size:>9,}  {now['p50_ms']:7.2f} {now['p99_ms']:7.2f}"
                  f"                {old['p50_ms']:8.1f} {old['p99_ms']:8.1f} ({old['calls']})"
                  f"   {now['rss_mb']:6.1f} MB")
    for size, run in served.items():
        print(f"serve-like process, {size:,} targets, campaign dialing: RSS "
              f"{run['rss_mb']:.1f} MB (peak {run['peak_mb']:.1f} MB), "
              f"{run['placed']} calls placed")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--service-s", type=float, default=20.0)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, batch, amount, before = args.child
        if mode == "lookups":
            result = lookups(Path(path), int(batch), int(amount), bool(before))
        else:
            result = service(Path(path), int(batch), float(amount))
        print(json.dumps(result))
        return
    sizes: dict[int, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            sizes[size] = measure_size(Path(tmp), size)
        served = measure_service(Path(tmp), args.service_s) if args.service_s > 0 else {}
    show(sizes, served)
    merge(figures(sizes, served))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
