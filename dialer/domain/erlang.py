"""Erlang B and Erlang C: how many lines the dedicated number needs, and how long callers wait.

Offered load in erlangs = calls per hour x average handling time (s) / 3600.

- Erlang B (blocking, no waiting room): the share of callers who meet every line busy. Computed
  with the stable recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)) — no factorials, so it
  holds for thousands of lines. Blocking does not depend on the holding-time distribution.
- Erlang C (callers wait in a queue): the probability a caller has to wait for one of N
  operators, C = N B / (N - A (1 - B)), and the mean wait over all callers C x AHT / (N - A).
  Only defined while N > A; at or above that the queue grows without bound.

Sizing the lines of a queueing number (``size``): a waiting caller holds a line too, so with
operators given the lines are sized for a holding time of AHT + the mean wait (Little's law; the
recorded messages a caller hears are part of the wait).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_LINES = 100_000


class SizingError(ValueError):
    """The question has no finite answer (e.g. too few operators for the load)."""


def offered_load(calls_per_hour: float, holding_s: float) -> float:
    if calls_per_hour < 0 or holding_s < 0:
        raise SizingError("calls per hour and handling time cannot be negative")
    return calls_per_hour * holding_s / 3600.0


def erlang_b(lines: int, erlangs: float) -> float:
    """Blocking probability with ``lines`` lines offered ``erlangs``."""
    if lines < 0 or erlangs < 0:
        raise SizingError("lines and load cannot be negative")
    blocking = 1.0
    for n in range(1, lines + 1):
        blocking = erlangs * blocking / (n + erlangs * blocking)
    return blocking


def lines_for_blocking(erlangs: float, blocking: float) -> int:
    """The fewest lines whose blocking is at most ``blocking``."""
    if not 0.0 < blocking < 1.0:
        raise SizingError("the blocking target must be between 0 and 1 (exclusive)")
    if erlangs < 0:
        raise SizingError("the load cannot be negative")
    current, lines = 1.0, 0
    while current > blocking:
        lines += 1
        current = erlangs * current / (lines + erlangs * current)
        if lines > MAX_LINES:
            raise SizingError(f"more than {MAX_LINES} lines needed")
    return lines


def erlang_c(agents: int, erlangs: float) -> float:
    """Probability that a caller waits, with ``agents`` operators offered ``erlangs``."""
    if agents <= erlangs:
        raise SizingError(f"{agents} operators cannot carry {erlangs:.2f} erlangs: "
                          f"at least {math.floor(erlangs) + 1} are needed")
    b = erlang_b(agents, erlangs)
    return agents * b / (agents - erlangs * (1.0 - b))


def mean_wait_s(agents: int, erlangs: float, handling_s: float) -> float:
    """Mean wait over all callers (those served at once count as 0)."""
    return erlang_c(agents, erlangs) * handling_s / (agents - erlangs)


@dataclass(frozen=True)
class Sizing:
    erlangs: float  # offered to the operators: calls x AHT
    line_holding_s: float  # AHT, plus the mean wait when operators are given
    lines: int
    blocking: float  # Erlang B at ``lines``
    operators: int | None = None
    wait_probability: float | None = None
    mean_wait_s: float | None = None


def size(calls_per_hour: float, handling_s: float, blocking: float = 0.01,
         operators: int | None = None) -> Sizing:
    """Lines for at most ``blocking``; with ``operators``, the queue's wait (Erlang C)."""
    erlangs = offered_load(calls_per_hour, handling_s)
    wait_p = wait = None
    holding = handling_s
    if operators is not None:
        wait_p = erlang_c(operators, erlangs)
        wait = mean_wait_s(operators, erlangs, handling_s)
        holding = handling_s + wait
    lines = lines_for_blocking(offered_load(calls_per_hour, holding), blocking)
    return Sizing(erlangs, holding, lines, erlang_b(lines, offered_load(calls_per_hour, holding)),
                  operators, wait_p, wait)
