"""The trunk's lines shared by outbound calls and residents calling back (§8(3)ウ: a caller on the
dedicated number never meets a busy signal).

Outbound and callbacks use the same carrier lines (``[trunk] max_lines``). A **reserve** of lines
is kept for callbacks, sized by Erlang B on the callback load measured over a rolling window
(the line-seconds the callers held in the last ``window_s``, over ``window_s``: every second a
caller holds a line counts, in the greeting, waiting in the queue or talking), so that a caller
meets every reserved line taken with probability at most ``blocking``; never fewer than
``reserve_min`` lines.

Outbound calls may hold at most ``max_lines - max(reserve, callbacks on lines)``: callbacks use
the reserve first, and when more callers than the reserve are on lines, each one takes a line
outbound can no longer use. So outbound in flight never exceeds ``max_lines - reserve``, and a
caller is refused by the carrier only when more callers than the reserve already hold lines
(the Erlang B event the reserve is sized against). Pure: times are seconds on any one clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dialer.domain.erlang import lines_for_blocking

DEFAULT_WINDOW_S = 3600.0


@dataclass(frozen=True)
class LinePolicy:
    max_lines: int
    reserve_min: int = 2
    blocking: float = 0.001
    window_s: float = DEFAULT_WINDOW_S

    def __post_init__(self) -> None:
        if self.max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        if not 0 <= self.reserve_min <= self.max_lines:
            raise ValueError("the callback reserve minimum must be between 0 and max_lines")
        if not 0.0 < self.blocking < 1.0:
            raise ValueError("the callback blocking target must be between 0 and 1 (exclusive)")
        if self.window_s <= 0:
            raise ValueError("the measuring window must be positive")


@dataclass(frozen=True)
class Holding:
    """One callback's time on a line: ``ended`` None while it still holds it."""

    started: float
    ended: float | None = None


@dataclass(frozen=True)
class Lines:
    """The trunk at one moment: what holds a line, the reserve, and what is left."""

    max_lines: int
    reserve: int
    outbound: int  # outbound calls in flight (from the Originate to their end)
    callbacks_waiting: int  # callers on a line not (yet) talking to an operator
    callbacks_talking: int  # callers talking to an operator
    callback_erlangs: float = 0.0  # the measured load the reserve was sized from

    @property
    def callbacks(self) -> int:
        return self.callbacks_waiting + self.callbacks_talking

    @property
    def in_use(self) -> int:
        return self.outbound + self.callbacks

    @property
    def free(self) -> int:
        return max(0, self.max_lines - self.in_use)

    @property
    def outbound_cap(self) -> int:
        """The most outbound calls in flight allowed now."""
        return max(0, self.max_lines - max(self.reserve, self.callbacks))

    @property
    def outbound_room(self) -> int:
        """New outbound calls that may be placed now."""
        return max(0, self.outbound_cap - self.outbound)


def callback_load(holdings: Iterable[Holding], now: float, window_s: float) -> float:
    """Erlangs of callbacks over ``(now - window_s, now]``: the line-seconds held inside the
    window (a call still going on counts up to ``now``) over the window's length."""
    if window_s <= 0:
        raise ValueError("the window must be positive")
    start, held = now - window_s, 0.0
    for h in holdings:
        end = now if h.ended is None else min(h.ended, now)
        held += max(0.0, end - max(h.started, start))
    return held / window_s


def callback_reserve(erlangs: float, policy: LinePolicy) -> int:
    """Lines kept for callbacks: Erlang B's fewest lines for ``policy.blocking`` at
    ``erlangs``, at least ``reserve_min``, at most every line."""
    if erlangs < 0:
        raise ValueError("the callback load cannot be negative")
    needed = lines_for_blocking(erlangs, policy.blocking) if erlangs > 0 else 0
    return min(policy.max_lines, max(policy.reserve_min, needed))


def lines_now(policy: LinePolicy, holdings: Iterable[Holding], now: float, outbound: int,
              callbacks_talking: int = 0) -> Lines:
    """The trunk at ``now``: ``holdings`` are the callbacks seen (the window's and the ongoing
    ones), ``callbacks_talking`` how many of the ongoing ones talk to an operator."""
    calls = list(holdings)
    ongoing = sum(h.ended is None for h in calls)
    erlangs = callback_load(calls, now, policy.window_s)
    talking = min(callbacks_talking, ongoing)
    return Lines(policy.max_lines, callback_reserve(erlangs, policy), outbound,
                 ongoing - talking, talking, erlangs)


def trunk_lines(outbound_peak: int, callback_lines: int, reserve_min: int = 0) -> int:
    """Lines a trunk needs for both directions: the outbound calls in flight at the busiest
    moment plus the callbacks' lines (Erlang B), never fewer than ``reserve_min`` of them."""
    if min(outbound_peak, callback_lines, reserve_min) < 0:
        raise ValueError("line counts cannot be negative")
    return outbound_peak + max(callback_lines, reserve_min)
