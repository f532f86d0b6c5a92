"""The per-target call list (架電先別リスト) of one batch: target order, phone order, assignment.

Pure: the facts come in as arguments (loaded by the repository), decisions go out.

- ``TargetOrder``: ``due`` (earliest 納期限 first, the default), ``amount`` (largest total first),
  ``attempts`` (fewest attempts so far first), ``file`` (as the city's file listed them). Ties
  fall back to the file's order, so every order is total and stable.
- ``PhoneOrder``: ``file`` (column order of the mapping, then row), ``mobile_first``,
  ``fixed_first``.
- Assignment by managers (§12(1)ウ): ``round_robin`` deals the ordered targets like cards so every
  operator gets a fair share of the first ones; ``by_skill`` gives them to the operators trained
  for the batch's debt type, least loaded first; ``explicit`` checks a manager's own choice.
  Excluded targets are never assigned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dialer.domain import phone


class TargetOrder(StrEnum):
    DUE = "due"
    AMOUNT = "amount"
    ATTEMPTS = "attempts"
    FILE = "file"


class PhoneOrder(StrEnum):
    FILE = "file"
    MOBILE_FIRST = "mobile_first"
    FIXED_FIRST = "fixed_first"


class AssignmentProblem(ValueError):
    """The assignment asked for cannot be made; the message says why (no personal data)."""


@dataclass(frozen=True, slots=True)
class TargetFacts:
    id: int
    source_row: int
    total_amount: int | None = None
    earliest_due: date | None = None
    attempts: int = 0
    excluded: bool = False
    operator_id: int | None = None


@dataclass(frozen=True, slots=True)
class Operator:
    id: int
    skills: frozenset[str] = frozenset()
    active: bool = True
    load: int = 0


_FAR_FUTURE = date.max
_KEYS: dict[TargetOrder, Callable[[TargetFacts], tuple[object, ...]]] = {
    TargetOrder.DUE: lambda t: (t.earliest_due or _FAR_FUTURE, t.source_row),
    TargetOrder.AMOUNT: lambda t: (-(t.total_amount or 0), t.source_row),
    TargetOrder.ATTEMPTS: lambda t: (t.attempts, t.earliest_due or _FAR_FUTURE, t.source_row),
    TargetOrder.FILE: lambda t: (t.source_row,),
}
_PHONE_RANK: dict[PhoneOrder, Callable[[str], int]] = {
    PhoneOrder.FILE: lambda n: 0,
    PhoneOrder.MOBILE_FIRST: lambda n: 0 if phone.kind(n) is phone.PhoneKind.MOBILE else 1,
    PhoneOrder.FIXED_FIRST: lambda n: 0 if phone.kind(n) is phone.PhoneKind.FIXED else 1,
}


def order_targets(targets: Iterable[TargetFacts], by: TargetOrder) -> list[TargetFacts]:
    """Dialable targets in calling order (excluded ones are left out)."""
    return sorted((t for t in targets if not t.excluded), key=_KEYS[by])


def order_phones(numbers: Sequence[str], by: PhoneOrder) -> tuple[str, ...]:
    """A target's numbers (canonical, in file order) in the order to try them."""
    rank = _PHONE_RANK[by]
    return tuple(sorted(numbers, key=rank))


def round_robin(targets: Sequence[TargetFacts], operators: Sequence[Operator]
                ) -> list[tuple[int, int]]:
    """(target id, operator id) pairs, dealing ``targets`` in order over the active operators."""
    pool = [o for o in operators if o.active]
    if not pool:
        raise AssignmentProblem("no active operator to assign to")
    dialable = [t for t in targets if not t.excluded]
    return [(t.id, pool[i % len(pool)].id) for i, t in enumerate(dialable)]


def by_skill(targets: Sequence[TargetFacts], operators: Sequence[Operator],
             debt_type: str) -> list[tuple[int, int]]:
    """Targets to the active operators skilled for ``debt_type``, always to the least loaded."""
    pool = [o for o in operators if o.active and debt_type in o.skills]
    if not pool:
        raise AssignmentProblem(f"no active operator is skilled for debt type {debt_type}")
    loads = {o.id: o.load for o in pool}
    pairs: list[tuple[int, int]] = []
    for target in (t for t in targets if not t.excluded):
        chosen = min(pool, key=lambda o: (loads[o.id], o.id))
        loads[chosen.id] += 1
        pairs.append((target.id, chosen.id))
    return pairs


def explicit(targets: Sequence[TargetFacts], operator: Operator) -> list[tuple[int, int]]:
    """A manager's own choice: these targets to this operator."""
    if not operator.active:
        raise AssignmentProblem("that operator account is not active")
    excluded = sum(t.excluded for t in targets)
    if excluded:
        raise AssignmentProblem(f"{excluded} of these targets are excluded from calling")
    return [(t.id, operator.id) for t in targets]
