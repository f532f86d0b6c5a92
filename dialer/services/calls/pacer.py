"""The live side of pacing: a Snapshot of this moment for ``dialer.domain.pacing.decide``, and
the Estimates it learns from every call (answer rate, ring, talk and wrap-up times, abandons).
The clock is the service's, so a shifted demo clock paces the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from dialer.domain.estimates import Estimates
from dialer.domain.operators import Operator, SeatState
from dialer.domain.pacing import Decision, Policy, Snapshot, decide


@dataclass(frozen=True)
class Ringing:
    """A call in flight without a reserved operator, placed at ``placed_at``."""

    placed_at: datetime


class Pacer:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.estimates = Estimates()

    def _elapsed(self, since: datetime | None, now: datetime) -> float:
        return max(0.0, (now - since).total_seconds()) if since else 0.0

    def snapshot(self, operators: Iterable[Operator], ringing: Iterable[Ringing],
                 inbound_waiting: int, line_room: int | None = None) -> Snapshot:
        now, ops = self._clock(), list(operators)

        def elapsed(state: SeatState) -> tuple[float, ...]:
            return tuple(self._elapsed(op.since, now) for op in ops if op.state is state)

        reserved = sum(op.state is SeatState.RESERVED for op in ops)
        return Snapshot(
            now=now.timestamp(),
            idle=sum(op.state is SeatState.READY for op in ops) + reserved,
            reserved=reserved, wrapping=elapsed(SeatState.WRAP_UP),
            talking=elapsed(SeatState.ON_CALL),
            ringing=tuple(self._elapsed(r.placed_at, now) for r in ringing),
            inbound_waiting=inbound_waiting, paused=sum(op.state is SeatState.PAUSED for op in ops),
            line_room=line_room,
        )

    def decide(self, policy: Policy, snapshot: Snapshot) -> Decision:
        return decide(snapshot, self.estimates, policy)

    def dial_ended(self, answered: bool, placed_at: datetime) -> None:
        self.estimates = self.estimates.dial_ended(answered, self._elapsed(placed_at,
                                                                           self._clock()))

    def answered(self, abandoned: bool, risk: float) -> None:
        self.estimates = self.estimates.answered(self._clock().timestamp(), abandoned, risk)

    def talk_ended(self, since: datetime | None) -> None:
        self.estimates = self.estimates.talk_ended(self._elapsed(since, self._clock()))

    def wrap_ended(self, since: datetime | None) -> None:
        self.estimates = self.estimates.wrap_ended(self._elapsed(since, self._clock()))
