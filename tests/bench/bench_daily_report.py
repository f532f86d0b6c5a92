"""Benchmark: the daily reports for 100,000 targets and 300,000 calls of one day — seconds and
peak RSS — with a baseline in the same run.

    python -m tests.bench.bench_daily_report [--targets 100000] [--attempts 300000]

A centre is built straight into a migrated SQLite file (two debt types, 60/40 split; 1 target in
10 with a second 期別, 1 in 3 with a second number, 2% excluded; every call with a result that
day, 1 in 5 with a call note). Each measurement runs in a fresh process so its peak RSS is its
own: ``generate_daily`` end to end (figures, the per-target lists and escalation lists as
.xlsx + CSV, the access-log record), for the full centre and for a quarter of it (memory must
stay flat as the list grows: the list is streamed); and the baseline — the raw SQL alone
(stdlib ``sqlite3``: the day's GROUP BY aggregate, and one ordered scan of every listed target
joined with its day's calls), no Python rows, no files. Merged into ``var/bench/results.json``:
``daily_report_s``, ``daily_report_peak_mb``, ``daily_report_baseline_s``,
``daily_report_baseline_peak_mb``, ``daily_report_ratio`` (report / baseline) and
``daily_report_peak_mb_25pct``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.bench.results import RESULTS, ROOT, merge

DAY = date(2027, 1, 12)
DAY_START = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)  # 00:00 in Tokyo
# A plausible day: mostly no answer, busy or an answering machine (per mille).
CODES = {"S02": 420, "S01": 100, "S03": 30, "S04": 20, "202": 100, "201": 80, "101": 80,
         "106": 60, "102": 20, "103": 30, "104": 15, "105": 15, "107": 5, "108": 5, "203": 10,
         "204": 10}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(workdir: Path) -> Any:  # dialer is imported in the child only
    from dialer import config

    base = config.load(None)
    return dataclasses.replace(
        base, base_dir=workdir,
        database=dataclasses.replace(base.database, url="sqlite+aiosqlite:///bench.sqlite3"),
        paths=dataclasses.replace(base.paths, data_dir=workdir, outbox_dir=workdir / "outbox"))


def stamp(moment: datetime) -> str:
    """How the schema stores an aware time on SQLite (naive UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build(workdir: Path, targets: int, attempts: int) -> dict[str, float]:
    from dialer.adapters.db import migrate

    migrate.upgrade(settings_for(workdir))
    rnd = random.Random(7)
    start = time.perf_counter()
    db = sqlite3.connect(workdir / "bench.sqlite3")
    db.execute("PRAGMA foreign_keys=OFF")
    created = stamp(DAY_START - timedelta(days=5))
    db.executemany("INSERT INTO users (id, login, display_name, role, active, created_at, "
                   "must_change, failed_logins) VALUES (?, ?, ?, 'operator', 1, ?, 0, 0)",
                   [(i, f"op{i:02d}", f"op{i:02d}", created) for i in range(1, 21)])
    split = targets * 6 // 10
    for batch, debt_type in ((1, "hoikuryo"), (2, "kyushoku")):
        db.execute("INSERT INTO batches (id, debt_type, month, source_name, sha256, encoding, "
                   "imported_at, imported_by, rows_imported, rows_rejected, target_order, "
                   "phone_order) VALUES (?, ?, '2027-01', 'f.csv', ?, 'cp932', ?, 'bench', 0, 0,"
                   " 'due', 'file')", (batch, debt_type, f"{batch}" * 64, created))
    rows, phones, debts, exclusions = [], [], [], []
    for i in range(1, targets + 1):
        rows.append((i, 1 if i <= split else 2, f"K{i:08d}", f"札幌　太郎{i % 977}",
                     "サッポロ タロウ", i + 1, rnd.random() < 0.3))
        phones.append((i, f"011{200 + i % 700:03d}{i % 10000:04d}", 1))
        if i % 3 == 0:
            phones.append((i, f"090{i:08d}", 2))
        for k in range(1 + (i % 10 == 0)):
            debts.append((i, i + 1 + k, 2026, f"第{k + 1}期", f"2026-0{4 + k}-30",
                           (i * 37) % 500000 + 1000))
        if i % 50 == 0:
            exclusions.append((i, "paid", created))
    db.executemany("INSERT INTO targets (id, batch_id, ref, name, kana, source_row, attempts, "
                   "phone_index, done) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)", rows)
    db.executemany("INSERT INTO target_phones (target_id, number, position) VALUES (?, ?, ?)",
                   phones)
    db.executemany("INSERT INTO debts (target_id, source_row, fiscal_year, installment, "
                   "due_date, amount) VALUES (?, ?, ?, ?, ?, ?)", debts)
    db.executemany("INSERT INTO exclusions (target_id, reason, source, created_at, created_by) "
                   "VALUES (?, ?, 'manual', ?, 'kanri')", exclusions)
    calls, notes = [], []
    codes, weights = list(CODES), list(CODES.values())
    for n in range(attempts):
        target = rnd.randrange(1, targets + 1)
        at = stamp(DAY_START + timedelta(hours=2, seconds=rnd.randrange(0, 10 * 3600),
                                         microseconds=n % 1000))
        code = rnd.choices(codes, weights)[0]
        direction = "in" if rnd.random() < 0.05 and not code.startswith("S") else "out"
        calls.append((f"a{n}", 1 if target <= split else 2, target, rnd.randrange(1, 21), at, at,
                      code, at, direction))
        if not code.startswith("S") and rnd.random() < 0.2:
            notes.append((f"a{n}", 1 if target <= split else 2, target, at, code,
                          "対話メモ", rnd.random() < 0.1, rnd.random() < 0.05,
                          rnd.random() < 0.1))
    db.executemany("INSERT INTO attempts (id, batch_id, target_id, phone_index, operator_id, "
                   "phase, created_at, ended_at, result_code, result_at, direction) "
                   "VALUES (?, ?, ?, 0, ?, 'done', ?, ?, ?, ?, ?)", calls)
    db.executemany("INSERT INTO call_notes (attempt_id, batch_id, target_id, at, result_code, "
                   "note, escalation, complaint, residents_voice, account_transfer) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')", notes)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return {"seconds": time.perf_counter() - start}


def measure_report(workdir: Path) -> dict[str, float]:
    from dialer.adapters.db.engine import Database
    from dialer.services.reports import city_reports as reports

    settings = settings_for(workdir)

    async def run() -> dict[str, int]:
        database = Database(settings)
        try:
            result = await reports.generate_daily(database, settings, DAY, "bench")
        finally:
            await database.close()
        return result.rows

    start = time.perf_counter()
    rows = asyncio.run(run())
    seconds = time.perf_counter() - start
    listed = sum(n for k, n in rows.items() if k.startswith("targets:"))
    escalated = sum(n for k, n in rows.items() if k.startswith("escalations:"))
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "listed": listed,
            "escalated": escalated}


BASELINE_SQL = (
    "SELECT b.debt_type, a.direction, a.result_code, count(*), sum(EXISTS (SELECT 1 FROM "
    "call_notes n WHERE n.attempt_id = a.id AND n.escalation)) FROM attempts a JOIN batches b "
    "ON b.id = a.batch_id WHERE a.result_at >= ? AND a.result_at < ? AND a.result_code IS NOT "
    "NULL GROUP BY b.debt_type, a.direction, a.result_code",
    "SELECT t.id, t.ref, t.name, t.kana, t.source_row, a.result_code, a.result_at "
    "FROM targets t LEFT JOIN attempts a ON a.target_id = t.id AND a.result_at >= ? "
    "AND a.result_at < ? ORDER BY t.batch_id, t.source_row, t.id, a.result_at",
)


def measure_baseline(workdir: Path) -> dict[str, float]:
    window = (stamp(DAY_START), stamp(DAY_START + timedelta(days=1)))
    start = time.perf_counter()
    db = sqlite3.connect(workdir / "bench.sqlite3")
    fetched = 0
    for sql in BASELINE_SQL:
        cursor = db.execute(sql, window)
        while page := cursor.fetchmany(5000):
            fetched += len(page)
    db.close()
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb(),
            "rows": fetched}


MODES = {"build": None, "report": measure_report, "baseline": measure_baseline}


def child(mode: str, workdir: Path, *extra: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_daily_report", "--child", mode, str(workdir),
         *extra], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=300_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, workdir, *extra = args.child
        if mode == "build":
            print(json.dumps(build(Path(workdir), int(extra[0]), int(extra[1]))))
        else:
            print(json.dumps(MODES[mode](Path(workdir))))  # type: ignore[misc]
        return
    report(args.targets, args.attempts)


def centre(tmp: Path, name: str, targets: int, attempts: int) -> Path:
    workdir = tmp / name
    workdir.mkdir()
    built = child("build", workdir, str(targets), str(attempts))
    print(f"built {targets:,} targets / {attempts:,} calls in {built['seconds']:.1f} s")
    return workdir


def report(targets: int, attempts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small = child("report", centre(Path(tmp), "quarter", targets // 4, attempts // 4))
        full_dir = centre(Path(tmp), "full", targets, attempts)
        base = child("baseline", full_dir)
        full = child("report", full_dir)
    ratio = full["seconds"] / base["seconds"]
    for label, m in ((f"{targets // 4:,} targets", small), (f"{targets:,} targets", full)):
        print(f"daily reports, {label}: {m['seconds']:.2f} s, peak RSS {m['peak_rss_mb']:.1f} MB"
              f" ({m['listed']:,.0f} rows listed, {m['escalated']:,.0f} escalations)")
    print(f"baseline, raw SQL (day aggregate + ordered scan, {base['rows']:,.0f} rows): "
          f"{base['seconds']:.2f} s, peak RSS {base['peak_rss_mb']:.1f} MB; "
          f"report / baseline = {ratio:.1f}")
    merge({"daily_report_s": round(full["seconds"], 2),
           "daily_report_peak_mb": round(full["peak_rss_mb"], 1),
           "daily_report_baseline_s": round(base["seconds"], 2),
           "daily_report_baseline_peak_mb": round(base["peak_rss_mb"], 1),
           "daily_report_ratio": round(ratio, 1),
           "daily_report_peak_mb_25pct": round(small["peak_rss_mb"], 1)})
    print(f"merged into {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
