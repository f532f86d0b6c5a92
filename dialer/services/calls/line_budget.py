"""The trunk's line budget as the service keeps it (``dialer.domain.line_budget``): the callbacks
the inbound tracker follows (their times on a line, who talks to an operator), the reserve sized
from the last ``[trunk] callback_window_min`` minutes, and the outbound calls the runner has in
flight. The runner asks ``lines`` before every decision; the board shows the same figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from dialer.config import Settings
from dialer.domain.inbound import InboundCall, InboundEnd
from dialer.domain.line_budget import Holding, LinePolicy, Lines, lines_now


def line_policy(settings: Settings) -> LinePolicy:
    trunk = settings.trunk
    return LinePolicy(max_lines=trunk.max_lines, reserve_min=trunk.callback_reserve_min,
                      blocking=trunk.callback_blocking, window_s=trunk.callback_window_min * 60.0)


class LineBudget:
    """``callbacks`` gives the inbound calls followed (ended ones too); ``wall`` is the clock of
    their timestamps (Asterisk's events)."""

    def __init__(self, policy: Callable[[], LinePolicy],
                 callbacks: Callable[[], Iterable[InboundCall]],
                 wall: Callable[[], float] = time.time) -> None:
        self._policy = policy
        self._callbacks = callbacks
        self._wall = wall

    def lines(self, outbound: int) -> Lines:
        """The trunk now, with ``outbound`` calls in flight."""
        policy, now = self._policy(), self._wall()
        since = now - policy.window_s
        recent = [c for c in self._callbacks()  # (a call known only from the gate has no start)
                  if c.started > 0 and (c.ended_at is None or c.ended_at > since)]
        holdings = [Holding(c.started, c.ended_at) for c in recent]
        talking = sum(c.ended_at is None and c.end is InboundEnd.CONNECTED for c in recent)
        return lines_now(policy, holdings, now, outbound, talking)
