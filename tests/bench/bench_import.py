"""Benchmark: import 100,000 CP932 rows end to end (decode, validate, store) — rows/s, peak RSS.

    python -m tests.bench.bench_import [--rows 100000]

Each measurement runs in a fresh process so its peak RSS is its own: the import of 25,000 and of
100,000 rows (memory must stay flat as the file grows); the work of the import's reader child
process (decode, validate, pickle) measured alone, because a child's peak is not in its parent's;
and a baseline in the same run — plain ``csv`` decode + parse of the same file, no validation,
no database. Merged into ``var/bench/results.json``: ``import_rows_per_s``,
``import_peak_rss_mb`` (importing process + reader child, 100,000 rows),
``import_baseline_rows_per_s``, and ``import_peak_rss_mb_25k`` for the small file.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.results import RESULTS, ROOT, merge

HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額"]
FULL = str.maketrans("0123456789-", "０１２３４５６７８９－")


def row(i: int) -> list[str]:
    """A plausible row: every 10th continues the previous 管理番号 (another 期別); 1 in 1000
    is bad (a short mobile number)."""
    person = i - 1 if i % 10 == 9 else i
    landline = f"011-{200 + person % 700:03d}-{person % 10000:04d}"
    mobile = f"090{person % 100000000:08d}"
    if i % 3 == 0:
        landline = landline.translate(FULL)
    due = (f"R5.{1 + i % 12}.{1 + i % 28}" if i % 2 else f"令和5年{1 + i % 12}月{1 + i % 28}日")
    amount = f"￥{(i * 37) % 500000 + 1000:,}" if i % 4 else f"{(i * 37) % 500000 + 1000}"
    if i % 1000 == 999:
        mobile, landline = "090-1234", ""
    return [f"K{person:08d}", f"札幌　太郎{person % 977}", "サッポロ タロウ", landline, mobile,
            "令和5年度", f"第{1 + i % 10}期", due, amount]


def generate(path: Path, rows: int) -> None:
    with path.open("w", encoding="cp932", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(row(i))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_import(path: Path, workdir: Path) -> dict[str, float]:
    from dialer import config
    from dialer.adapters.db import migrate
    from dialer.adapters.db.engine import Database
    from dialer.services.intake.importer import ImportRequest, import_file

    base = config.load(None)
    settings = dataclasses.replace(
        base, base_dir=workdir,
        database=dataclasses.replace(base.database, url="sqlite+aiosqlite:///bench.sqlite3"),
        paths=dataclasses.replace(base.paths, data_dir=workdir))
    migrate.upgrade(settings)

    async def run() -> int:
        database = Database(settings)
        try:
            result = await import_file(database, settings,
                                       ImportRequest(path, "hoikuryo", "2027-01", actor="bench"))
        finally:
            await database.close()
        return result.imported + result.rejected

    start, cpu = time.perf_counter(), cpu_seconds()
    rows = asyncio.run(run())
    seconds = time.perf_counter() - start
    return {"rows": rows, "seconds": seconds, "cpu_s": cpu_seconds() - cpu,
            "peak_rss_mb": peak_rss_mb()}


def cpu_seconds() -> float:
    """User + system time of this process and its finished children (the reader)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                           resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_reader(path: Path) -> dict[str, float]:
    """What the import's child process does (read, validate, pickle), for its peak RSS."""
    from dialer.domain.debt_types import DEFAULT_DEBT_TYPES
    from dialer.domain.intake.mapping import DEFAULT_MAPPING
    from dialer.services.intake.reader import ReadSpec, _frame, _Reader

    start = time.perf_counter()
    reader = _Reader(ReadSpec(path, None, DEFAULT_MAPPING, DEFAULT_DEBT_TYPES[0],
                              DEFAULT_DEBT_TYPES))
    rows = 0
    while (chunk := reader.next()) is not None:
        rows += len(chunk[0]) + len(chunk[1])
        _frame(("chunk", chunk))
    reader.close()
    return {"rows": rows, "seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}


def measure_baseline(path: Path) -> dict[str, float]:
    start = time.perf_counter()
    with path.open("rb") as raw:
        rows = sum(1 for _ in csv.reader(io.TextIOWrapper(raw, encoding="cp932", newline="")))
    seconds = time.perf_counter() - start
    return {"rows": rows - 1, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


MODES = {"baseline": lambda path, _dir: measure_baseline(path),
         "reader": lambda path, _dir: measure_reader(path),
         "import": measure_import}


def child(mode: str, path: Path, workdir: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_import", "--child", mode, str(path),
         str(workdir)], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, workdir = args.child
        print(json.dumps(MODES[mode](Path(path), Path(workdir))))
        return
    report(args.rows)


def measure_size(tmp: Path, rows: int) -> dict[str, float]:
    path = tmp / f"loaned-{rows}.csv"
    generate(path, rows)
    workdir = tmp / f"centre-{rows}"
    workdir.mkdir()
    imported = child("import", path, workdir)
    reader = child("reader", path, workdir)
    return {"rows": imported["rows"], "rate": imported["rows"] / imported["seconds"],
            "seconds": imported["seconds"], "cpu_s": imported["cpu_s"],
            "main_mb": imported["peak_rss_mb"],
            "reader_mb": reader["peak_rss_mb"],
            "peak_mb": imported["peak_rss_mb"] + reader["peak_rss_mb"],
            "mb": path.stat().st_size / 2**20}


def report(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small = measure_size(Path(tmp), rows // 4)
        large = measure_size(Path(tmp), rows)
        base = child("baseline", Path(tmp) / f"loaned-{rows}.csv", Path(tmp))
    base_rate = base["rows"] / base["seconds"]
    for m in (small, large):
        print(f"import {m['rows']:>7,.0f} CP932 rows ({m['mb']:.1f} MB): {m['rate']:>7,.0f} rows/s"
              f" ({m['seconds']:.2f} s, {m['cpu_s']:.2f} s CPU); peak RSS {m['peak_mb']:.1f} MB"
              f" = importing process {m['main_mb']:.1f} + reader child {m['reader_mb']:.1f}")
    print(f"baseline, csv decode + parse only: {base_rate:,.0f} rows/s "
          f"(peak RSS {base['peak_rss_mb']:.1f} MB)")
    merge({"import_rows_per_s": round(large["rate"]),
           "import_peak_rss_mb": round(large["peak_mb"], 1),
           "import_baseline_rows_per_s": round(base_rate),
           "import_peak_rss_mb_25k": round(small["peak_mb"], 1)})
    print(f"merged into {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
