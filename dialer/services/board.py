"""The supervisor board's figures: operators by state, today's results, the callback line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dialer.adapters.db.attempts import results_since
from dialer.adapters.db.engine import Database
from dialer.domain.inbound import InboundSummary
from dialer.domain.operators import Operator
from dialer.domain.outcomes import Classification
from dialer.services.campaign import CampaignRunner
from dialer.services.inbound_tracker import InboundTracker
from dialer.services.operator_pool import OperatorPool


@dataclass(frozen=True)
class ResultRow:
    code: str
    label: str
    mark: str
    count: int


@dataclass(frozen=True)
class Board:
    at: datetime
    operators: list[Operator]
    results: list[ResultRow]
    contacts: int
    attempts: int
    inbound: InboundSummary
    campaigns: list[int]
    dialing: bool

    @property
    def contact_rate(self) -> float:
        return self.contacts / self.attempts if self.attempts else 0.0


class BoardSource:
    def __init__(self, database: Database, pool: OperatorPool, runner: CampaignRunner,
                 inbound: InboundTracker, classification: Callable[[], Classification],
                 clock: Callable[[], datetime]) -> None:
        self._db, self._pool, self._runner = database, pool, runner
        self._inbound, self._classification, self._clock = inbound, classification, clock

    async def __call__(self) -> Board:
        now = self._clock()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        counts = await results_since(self._db, midnight)
        table = self._classification()
        rows = [ResultRow(c.code, c.label, str(c.mark), counts.get(c.code, 0))
                for c in table.codes if counts.get(c.code)]
        contacts = sum(r.count for r in rows if table.get(r.code).contact)
        return Board(now, sorted(self._pool.all(), key=lambda op: op.seat), rows, contacts,
                     sum(r.count for r in rows), self._inbound.summary(),
                     sorted(self._runner.campaigns),
                     any(self._runner.may_dial(c) for c in self._runner.campaigns.values()))
