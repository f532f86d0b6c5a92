"""What the campaign runner needs from storage (a port): the database adapter implements it,
and tests may use the in-memory one."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dialer.domain.attempt import Phase
from dialer.domain.call_routing import Promise


@dataclass(frozen=True)
class Candidate:
    """The next call to place for a batch: which target, on which of its numbers."""

    batch_id: int
    target_id: int
    phone_position: int
    number: str
    needs_operator: bool = False  # abandoned before: never dialed again without an operator
    attempts: int | None = None  # the target's attempts count when chosen (None: not checked)
    promise: Promise | None = None  # due now because a call back was agreed with the resident
    assigned_to: int | None = None  # the operator the target is assigned to
    assigned_since: datetime | None = None  # when it became hers to call (assigned, or due)


@dataclass(frozen=True)
class AttemptRecord:
    id: str
    batch_id: int
    target_id: int
    phone_position: int
    operator_id: int | None
    phase: Phase
    result_code: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


class AttemptStore(Protocol):
    async def next_candidate(self, batch_id: int, now: datetime,
                             busy_numbers: frozenset[str]) -> Candidate | None:
        """The next due, dialable target of the batch whose number is not being called."""

    async def still_dialable(self, target_id: int) -> bool:
        """Not excluded, not finished: checked again right before the Originate."""

    async def create(self, attempt_id: str, candidate: Candidate, operator_id: int | None,
                     now: datetime) -> bool:
        """Claim the target and write the attempt (phase PLANNED) before anything is sent to
        Asterisk; False, with nothing written, when another dialer sharing the storage claimed
        the target since it was chosen (it is then not called)."""

    async def set_phase(self, attempt_id: str, phase: Phase, now: datetime) -> None: ...

    def batched(self) -> AbstractAsyncContextManager[None]:
        """``set_phase`` and ``finish`` inside the block (this task's) may be written together
        when it ends, with the outcome of writing them one by one."""

    async def finish(self, attempt_id: str, phase: Phase, result_code: str, now: datetime,
                     appointment: datetime | None = None) -> None:
        """Record the result and plan the target's next call (retry rules)."""

    async def unfinished(self) -> list[AttemptRecord]:
        """Attempts not DONE/WRAP_UP-with-result: to reconcile after a restart."""
