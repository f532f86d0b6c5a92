"""Load soak: the whole service on the sandbox Asterisk with 200 console websockets and about 50
calls up at every moment for minutes; memory and event lag must not grow (issue #12).

    python -m tests.bench.bench_soak [--seconds 180] [--consoles 200] [--calls 50]
        [--quick-logins]

The kit is ``tests/bench/soak.py`` (what runs, how calls are paced, what is measured);
``tests/asterisk/test_soak.py`` runs it for about a minute in ``make test``. Figures
(``soak_*``): the plateau's length, websockets open, calls up (median, least, most), calls
placed per second, frames received per second, the service's RSS at the plateau's start and
end, its growth (mean of the last third minus the first) and slope, Asterisk's RSS, CPU of
both (% of one core), event lag (Asterisk's BridgeEnter -> the operator's screen-pop frame;
Hangup -> the wrap-up frame) p50/p99 in the first and last thirds, failures of any kind.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from dialer import config
from dialer.pbx import sandbox
from tests.bench.results import merge
from tests.bench.soak import Plan, soak
from tests.bench.soak_watch import Sample


def timeline(samples: list[Sample]) -> str:
    lines = ["      t  calls  talking  waiting  RSS MB  Asterisk MB  frames  websockets"]
    lines += [f"  {s.at:5.0f}  {s.calls_up:5d}  {s.talking:7d}  {s.waiting:7d}  {s.rss_mb:6.1f}  "
              f"{s.asterisk_rss_mb:11.1f}  {s.frames:6d}  {s.open_websockets:10d}"
              for s in samples]
    return "\n".join(lines)


def summary(f: dict[str, Any]) -> str:
    return "\n".join([
        f"soak: {f['soak_duration_s']:.0f} s plateau, {f['soak_websockets']} console websockets "
        f"(fewest open {f['soak_websockets_open_min']}, lost {f['soak_websockets_lost']}) "
        f"+ a board, {f['soak_operators_ready']} operators ready",
        f"  calls up: median {f['soak_concurrent_calls_p50']}, least "
        f"{f['soak_concurrent_calls_min']}, most {f['soak_concurrent_calls_max']} (target "
        f"{f['soak_concurrent_calls_target']}); {f['soak_calls']} calls, "
        f"{f['soak_calls_per_s']}/s; failed {f['soak_failed']}",
        f"  service RSS {f['soak_rss_mb_start']} -> {f['soak_rss_mb_end']} MB (growth "
        f"{f['soak_rss_growth_mb']} MB, slope {f['soak_rss_slope_mb_per_min']} MB/min); "
        f"Asterisk {f['soak_asterisk_rss_mb_start']} -> {f['soak_asterisk_rss_mb_end']} MB",
        f"  CPU: service {f['soak_cpu_service_pct']}%, Asterisk {f['soak_cpu_asterisk_pct']}% "
        f"of one core; console frames {f['soak_console_frames_per_s']}/s, board "
        f"{f['soak_board_frames_per_s']}/s",
        f"  event lag BridgeEnter -> screen-pop p50/p99: first third "
        f"{f['soak_event_lag_ms_first_p50']}/{f['soak_event_lag_ms_first_p99']} ms, last "
        f"{f['soak_event_lag_ms_last_p50']}/{f['soak_event_lag_ms_last_p99']} ms",
        f"  Hangup -> wrap-up frame p50/p99: first {f['soak_hangup_lag_ms_first_p50']}/"
        f"{f['soak_hangup_lag_ms_first_p99']} ms, last {f['soak_hangup_lag_ms_last_p50']}/"
        f"{f['soak_hangup_lag_ms_last_p99']} ms",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--quick-logins", action="store_true",
                        help="argon2 at its lowest cost (as the test does)")
    args = parser.parse_args()
    plan = Plan(seconds=args.seconds, consoles=args.consoles, calls=args.calls,
                quick_logins=args.quick_logins)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "sandbox"
        state = sandbox.up(config.load(None), directory)
        try:
            figures, samples, phases = asyncio.run(soak(state, Path(tmp), plan))
        finally:
            sandbox.down(directory)
    merge(figures)
    print(timeline(samples))
    print(summary(figures))
    print("  steps (s): " + ", ".join(f"{name} {s:g}" for name, s in phases.items()))


if __name__ == "__main__":
    main()
