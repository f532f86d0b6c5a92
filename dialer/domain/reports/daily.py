"""The business daily report (業務日報, §13(1)ア): one row per debt type for one day, then the
total. Pure: built from the day's GROUP BY rows.

Definitions — the board's (``dialer.domain.supervision``: call, contact, 接触件数率 = contacts /
calls, promise, escalation, callback), over the centre's local day, plus:

* **complaints**: calls with a result that day whose call note is flagged as a complaint;
* **operators on duty**: different operators with a result that day (the total row counts
  each operator once, whatever the debt types they called);
* **targets / in play / excluded**: the targets of the batches in play that day (a batch is in
  play when its debt type's calling or callback period for its month covers the day, or it had
  a result that day); *excluded* by the end of the day; *in play*: neither excluded nor finished
  at the end of the day (finished: ``done`` and no result after the day);
* **persons contacted / new** and **対象者接触率** (``dialer.domain.reach``): of those targets,
  the ones not excluded reached at least once by the end of the day / for the first time that
  day; the rate is reached / (targets - excluded), the city's 70% target;
* **conversations** = contacts + callbacks; **escalation rate** = escalations / conversations;
* **inbound received / answered / abandoned / messages**: calls to the dedicated number that
  started that day (centre-wide: the caller is not known before identification, so only the
  total row carries them).

On a day of the callback-handling period without calling the report still comes out and says
so (§11(3)イ): the debt type's status and remark tell it, with or without callbacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from dialer.domain.calendar import Period
from dialer.domain.outcomes import Classification
from dialer.domain.reach import person_contact_rate
from dialer.domain.reports.definitions import Cell
from dialer.domain.supervision import ResultCount, by_debt_type, call_contact_rate, rate

CALLED = "架電実施"
NOT_CALLED = "架電なし"
CALLBACKS_ONLY = "架電なし（折返し対応期間中）"
OUTSIDE = "実施期間外"
TOTAL = "合計"


@dataclass(frozen=True)
class TargetCounts:
    targets: int = 0
    excluded: int = 0
    in_play: int = 0
    contacted: int = 0  # not excluded, reached by the end of the day
    contacted_today: int = 0  # of those, reached for the first time that day

    def __add__(self, other: TargetCounts) -> TargetCounts:
        return TargetCounts(self.targets + other.targets, self.excluded + other.excluded,
                            self.in_play + other.in_play, self.contacted + other.contacted,
                            self.contacted_today + other.contacted_today)


@dataclass(frozen=True)
class InboundDay:
    received: int = 0
    answered: int = 0
    abandoned: int = 0
    messages: int = 0
    unidentified: int = 0  # answered, with a result, the caller not identified (no target)

    @classmethod
    def from_ends(cls, ends: Mapping[str, int]) -> InboundDay:
        """From {``InboundEnd`` value: count}."""
        return cls(sum(ends.values()), ends.get("connected", 0), ends.get("abandoned", 0),
                   ends.get("message", 0))

    def __add__(self, other: InboundDay) -> InboundDay:
        return InboundDay(self.received + other.received, self.answered + other.answered,
                          self.abandoned + other.abandoned, self.messages + other.messages,
                          self.unidentified + other.unidentified)


@dataclass(frozen=True)
class DayFacts:
    """What the database says about one day (GROUP BY rows and counts)."""

    day: date
    results: tuple[ResultCount, ...] = ()
    complaints: Mapping[str, int] = field(default_factory=dict)  # debt type -> calls
    operators: Mapping[str, int] = field(default_factory=dict)  # debt type -> operators
    operators_total: int = 0
    inbound: InboundDay = InboundDay()


@dataclass(frozen=True)
class DayPlan:
    """What the calendar says about a debt type that day."""

    calling: bool = False  # in its calling period, on a day with calling windows
    callbacks: bool = False  # in its callback-handling period


@dataclass(frozen=True)
class Figures:
    """One row of the daily report (a debt type, or the total) — also the unit the monthly
    and final reports add up."""

    debt_type: str
    debt_name: str
    status: str = ""
    remark: str = ""
    targets: int = 0
    in_play: int = 0
    excluded: int = 0
    calls: int = 0
    contacts: int = 0
    promises: int = 0
    escalations: int = 0
    complaints: int = 0
    callbacks: int = 0
    operators: int = 0
    inbound_received: int = 0
    inbound_answered: int = 0
    inbound_abandoned: int = 0
    inbound_messages: int = 0
    inbound_unidentified: int = 0
    persons_contacted: int = 0
    persons_new: int = 0

    @property
    def contact_rate(self) -> float:
        """接触件数率."""
        return call_contact_rate(self.contacts, self.calls)

    @property
    def person_contact_rate(self) -> float:
        """対象者接触率."""
        return person_contact_rate(self.persons_contacted, self.targets, self.excluded)

    @property
    def conversations(self) -> int:
        return self.contacts + self.callbacks

    @property
    def escalation_rate(self) -> float:
        return rate(self.escalations, self.conversations)

    def as_row(self) -> dict[str, Cell]:
        row: dict[str, Cell] = {f.name: getattr(self, f.name) for f in fields(self)}
        row.update(conversations=self.conversations,  # a rate of nothing is left empty
                   contact_rate=self.contact_rate if self.calls else None,
                   person_contact_rate=(self.person_contact_rate
                                        if self.targets > self.excluded else None),
                   escalation_rate=self.escalation_rate if self.conversations else None)
        return row


COUNTS = ("targets", "in_play", "excluded", "calls", "contacts", "promises", "escalations",
          "complaints", "callbacks", "operators", "inbound_received", "inbound_answered",
          "inbound_abandoned", "inbound_messages", "inbound_unidentified", "persons_contacted",
          "persons_new")


def add(rows: Iterable[Figures], debt_type: str, debt_name: str) -> Figures:
    """The sums of ``rows`` (every count, operators included: use it for person-days)."""
    totals: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    for row in rows:
        for name in COUNTS:
            totals[name] += getattr(row, name)
    return Figures(debt_type=debt_type, debt_name=debt_name, **totals)


@dataclass(frozen=True)
class DailyReport:
    day: date
    rows: tuple[Figures, ...]
    total: Figures

    @property
    def notes(self) -> list[str]:
        """The sentences the report's cover states (no calling, no callbacks…)."""
        return [f"{r.debt_name}: {r.remark}" for r in self.rows if r.remark]


def batch_in_play(debt_type: str, month: str, day: date,
                  periods: Mapping[str, Sequence[Period]]) -> bool:
    """Does the debt type's calling or callback period for the batch's month cover ``day``?"""
    return any(p.month == month and (day in p.calling or day in p.callback)
               for p in periods.get(debt_type, ()))


def status(calls: int, plan: DayPlan) -> str:
    if calls:
        return CALLED
    if plan.calling:
        return NOT_CALLED
    return CALLBACKS_ONLY if plan.callbacks else OUTSIDE


def remark(calls: int, callbacks: int, plan: DayPlan) -> str:
    """Said on a callback-period day without calling (§11(3)イ), callbacks or not."""
    if calls or plan.calling or not plan.callbacks:
        return ""
    heard = f"折返し電話{callbacks}件" if callbacks else "折返し電話なし"
    return f"架電業務なし（折返し対応期間中）、{heard}"


def daily_report(facts: DayFacts, classification: Classification, labels: Mapping[str, str],
                 targets: Mapping[str, TargetCounts], plans: Mapping[str, DayPlan]
                 ) -> DailyReport:
    """One row per configured debt type (``labels``, in that order), then any other debt type
    with results or targets that day, then the total."""
    in_play = {d: c.in_play or c.targets for d, c in targets.items()}
    board = by_debt_type(facts.results, classification, in_play, labels)
    rows = []
    for b in board:
        counts, plan = targets.get(b.debt_type, TargetCounts()), plans.get(b.debt_type, DayPlan())
        rows.append(Figures(
            b.debt_type, b.label, status(b.calls, plan), remark(b.calls, b.callbacks, plan),
            counts.targets, counts.in_play, counts.excluded, b.calls, b.contacts, b.promises,
            b.escalations, facts.complaints.get(b.debt_type, 0), b.callbacks,
            facts.operators.get(b.debt_type, 0), persons_contacted=counts.contacted,
            persons_new=counts.contacted_today))
    total = replace(add(rows, "", TOTAL), operators=facts.operators_total,
                    inbound_received=facts.inbound.received,
                    inbound_answered=facts.inbound.answered,
                    inbound_abandoned=facts.inbound.abandoned,
                    inbound_messages=facts.inbound.messages,
                    inbound_unidentified=facts.inbound.unidentified)
    return DailyReport(facts.day, tuple(rows), total)
