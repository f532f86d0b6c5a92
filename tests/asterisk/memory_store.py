"""An in-memory AttemptStore for runner tests: targets with numbers, attempts, retry plans."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime

from dialer.domain import retry
from dialer.domain.attempt import Phase
from dialer.domain.attempt_store import AttemptRecord, Candidate
from dialer.domain.outcomes import Classification


@dataclass
class MemTarget:
    id: int
    batch_id: int
    numbers: list[str]
    phone_position: int = 0
    due_at: datetime | None = None
    done: bool = False
    excluded: bool = False
    history: list[retry.PastAttempt] = field(default_factory=list)


class MemoryStore:
    def __init__(self, targets: list[MemTarget], classification: Classification) -> None:
        self.targets = {t.id: t for t in targets}
        self.attempts: dict[str, AttemptRecord] = {}
        self.classification = classification

    async def next_candidate(self, batch_id: int, now: datetime,
                             busy_numbers: frozenset[str]) -> Candidate | None:
        # A target stays busy until its attempt has a result (wrap-up included).
        active = {a.target_id for a in self.attempts.values() if a.result_code is None}
        for t in sorted(self.targets.values(), key=lambda t: t.id):
            number = t.numbers[t.phone_position]
            if (t.batch_id == batch_id and not t.done and not t.excluded
                    and t.id not in active and number not in busy_numbers
                    and (t.due_at is None or t.due_at <= now)):
                abandoned = any(a.target_id == t.id and a.result_code == "S05"
                                for a in self.attempts.values())
                return Candidate(batch_id, t.id, t.phone_position, number, abandoned)
        return None

    async def still_dialable(self, target_id: int) -> bool:
        t = self.targets[target_id]
        return not t.excluded and not t.done

    async def create(self, attempt_id: str, candidate: Candidate, operator_id: int | None,
                     now: datetime) -> bool:
        self.attempts[attempt_id] = AttemptRecord(
            attempt_id, candidate.batch_id, candidate.target_id, candidate.phone_position,
            operator_id, Phase.PLANNED, started_at=now)
        return True

    def batched(self) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()

    async def set_phase(self, attempt_id: str, phase: Phase, now: datetime) -> None:
        self.attempts[attempt_id] = replace(self.attempts[attempt_id], phase=phase)

    async def finish(self, attempt_id: str, phase: Phase, result_code: str, now: datetime,
                     appointment: datetime | None = None) -> None:
        record = replace(self.attempts[attempt_id], phase=phase, result_code=result_code,
                         ended_at=now)
        self.attempts[attempt_id] = record
        if not result_code:
            return
        t = self.targets[record.target_id]
        t.history.append(retry.PastAttempt(now.date(), record.phone_position))
        plan = retry.after(self.classification.get(result_code), now, now.date(), t.history,
                           len(t.numbers), t.phone_position, appointment=appointment)
        t.done, t.due_at, t.phone_position = plan.done, plan.due_at, plan.phone_position

    async def unfinished(self) -> list[AttemptRecord]:
        return [a for a in self.attempts.values() if a.result_code is None]
