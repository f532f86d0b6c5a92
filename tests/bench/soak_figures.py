"""The soak's figures, from its samples and the calls and frames it saw (``tests.bench.soak``).

The plateau (after the ramp) is cut in thirds: memory and event lag of the first third are
compared with the last (a leak or a growing queue shows as a difference that a longer run
makes larger; warm-up is over before the first third begins).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.bench.results import percentile
from tests.bench.soak_watch import Sample, first_frames, lags_ms, slope_per_min, window_figures

if TYPE_CHECKING:
    from tests.bench.soak import Run

SETTLE_S = 1.0  # calls this close to the end may have their frame still on its way


def figures(run: Run) -> dict[str, Any]:
    start, end = run.plateau
    span = end - start
    plateau = [s for s in run.samples if 0 <= s.at <= span]
    first = [s for s in plateau if s.at < span / 3] or plateau[:1]
    last = [s for s in plateau if s.at >= 2 * span / 3] or plateau[-1:]
    return (_shape(run, plateau, span) | _memory(plateau, first, last)
            | _cpu(plateau) | _lag(run, start, end) | _failures(run, end))


def _shape(run: Run, plateau: list[Sample], span: float) -> dict[str, Any]:
    start, end = run.plateau
    up: list[float] = [s.calls_up for s in plateau]
    placed = sum(1 for at in run.watch.placed.values() if start <= at < end)
    board = sum(1 for at in run.board.arrived_at if start <= at < end)
    frames = plateau[-1].frames - plateau[0].frames if plateau else 0
    seconds = (plateau[-1].at - plateau[0].at) if len(plateau) > 1 else span
    return {
        "soak_duration_s": round(span, 1),
        "soak_websockets": run.plan.consoles,
        "soak_websockets_open_min": min(s.open_websockets for s in run.samples),
        "soak_websockets_lost": run.lost_websockets,
        "soak_operators_ready": run.plan.operators - run.ready_errors,
        "soak_log_in_s": run.phases.get("log_in", 0.0),
        "soak_operators_waiting_p50": _median([s.waiting for s in plateau]),
        "soak_concurrent_calls_target": run.plan.calls,
        "soak_concurrent_calls_p50": percentile(up, 50),
        "soak_concurrent_calls_min": min(up),
        "soak_concurrent_calls_max": max(up),
        "soak_talking_p50": _median([s.talking for s in plateau]),
        "soak_calls": placed,
        "soak_calls_per_s": round(placed / span, 2),
        "soak_console_frames_per_s": round(frames / max(seconds, 1e-9), 1),
        "soak_board_frames_per_s": round(board / span, 2),
    }


def _median(values: list[int]) -> int:
    return int(percentile([float(v) for v in values], 50))


def _memory(plateau: list[Sample], first: list[Sample], last: list[Sample]) -> dict[str, Any]:
    def mean(samples: list[Sample], asterisk: bool = False) -> float:
        values = [s.asterisk_rss_mb if asterisk else s.rss_mb for s in samples]
        return sum(values) / len(values)

    return {
        "soak_rss_mb_start": round(plateau[0].rss_mb, 1),
        "soak_rss_mb_end": round(plateau[-1].rss_mb, 1),
        "soak_rss_mb_peak": round(max(s.rss_mb for s in plateau), 1),
        "soak_rss_growth_mb": round(mean(last) - mean(first), 1),
        "soak_rss_slope_mb_per_min": round(slope_per_min([(s.at, s.rss_mb) for s in plateau]), 2),
        "soak_asterisk_rss_mb_start": round(plateau[0].asterisk_rss_mb, 1),
        "soak_asterisk_rss_mb_end": round(plateau[-1].asterisk_rss_mb, 1),
        "soak_asterisk_rss_growth_mb": round(mean(last, True) - mean(first, True), 1),
    }


def _cpu(plateau: list[Sample]) -> dict[str, Any]:
    seconds = max(plateau[-1].at - plateau[0].at, 1e-9)
    return {
        "soak_cpu_service_pct": round(100 * (plateau[-1].cpu_s - plateau[0].cpu_s) / seconds, 1),
        "soak_cpu_asterisk_pct": round(
            100 * (plateau[-1].asterisk_cpu_s - plateau[0].asterisk_cpu_s) / seconds, 1),
    }


def _lag(run: Run, start: float, end: float) -> dict[str, Any]:
    """Screen-pop lag (``event_lag``: BridgeEnter -> the record's frame) and wrap-up lag
    (Hangup -> the wrap-up frame), in the plateau's first and last thirds."""
    third = (end - start) / 3
    pops = first_frames(run.consoles, "on_call", with_record=True)
    wraps = first_frames(run.consoles, "wrap_up")
    found: dict[str, Any] = {}
    for window, since, until in (("first", start, start + third),
                                 ("last", end - third, end - SETTLE_S)):
        found |= window_figures(f"soak_event_lag_ms_{window}",
                                *lags_ms(run.watch.bridged, pops, since, until))
        found |= window_figures(f"soak_hangup_lag_ms_{window}",
                                *lags_ms(run.watch.hung_up, wraps, since, until))
    return found


def _failures(run: Run, end: float) -> dict[str, Any]:
    failed = sum(1 for at in run.watch.failed.values() if at < end)
    ended_otherwise = sum(n for code, n in run.outcomes.items() if code not in ("101", "open"))
    refused = run.result_errors + run.ready_errors
    return {
        "soak_failed": failed + ended_otherwise + refused,
        "soak_originate_failed": failed,
        "soak_attempts_ended_otherwise": ended_otherwise,
        "soak_console_actions_refused": refused,
        "soak_results_saved": run.outcomes.get("101", 0),
    }
