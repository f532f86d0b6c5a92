"""Predictive pacing learns from every call: what an attempt's phase change tells the
estimates (ring time and answer rate, abandons, talk and wrap-up times)."""

from __future__ import annotations

from datetime import datetime

from dialer.domain.attempt import Phase
from dialer.services.calls.in_flight import InFlight
from dialer.services.calls.pacer import Pacer
from dialer.services.console.operator_pool import OperatorPool


class PacingFeedback:
    def __init__(self, pacer: Pacer, pool: OperatorPool) -> None:
        self._pacer, self._pool = pacer, pool

    def moved(self, flight: InFlight, before: Phase, after: Phase) -> None:
        """The call ``flight`` went from ``before`` to ``after``."""
        if before is Phase.DIALING and flight.placed_at is not None:
            self._pacer.dial_ended(flight.attempt.facts.answered, flight.placed_at)
        if after is Phase.CONNECTED:
            self._pacer.answered(False, flight.risk)
        elif after is Phase.DONE and flight.attempt.facts.answered:
            self._pacer.answered(True, flight.risk)
        elif after is Phase.WRAP_UP and flight.operator_id is not None:
            self._pacer.talk_ended(self._pool.get(flight.operator_id).since)

    def wrap_ended(self, since: datetime | None) -> None:
        """An operator recorded their result after wrapping up since ``since``."""
        self._pacer.wrap_ended(since)
