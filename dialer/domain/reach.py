"""The city's target, measured as the city means it (pure): 対象者接触率, the share of the
people on a list reached at least once (SPEC §6(3), §13(3)ア), next to 接触件数率, contacts per
call, which stays a secondary figure.

Definitions (a "day" is the centre's local calendar day; "to date" = up to the end of it):

* a **target** is a row of a batch's call list (one person of one debt type's month);
* an **excluded** target has an exclusion recorded by the end of the day; it is shown on its
  own and is in neither side of the share (the share is of the people the centre is to reach);
* a target is **contacted** when at least one of its results, to date, has a code that is a
  contact in the classification (``ResultCode.contact``) — an outbound call or an identified
  callback, whichever came first; a target reached twice counts once;
* **対象者接触率** (person contact rate) = contacted / (targets - excluded);
* **本日新規接触** (new today) = targets whose first contact was that day;
* **接触件数率** (call contact rate) = contacts / calls, ``dialer.domain.supervision``'s
  definitions (outbound calls only);
* **想定架電件数** (planned calls): configured per debt type and list month (``[planned_calls]``),
  None when not configured.

The database gives one GROUP BY row per batch (``ReachCount``: distinct targets, never calls);
everything else is folded here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from dialer.domain.outcomes import Classification
from dialer.domain.supervision import OUTBOUND, ResultCount, call_contact_rate, is_contact, rate

# 接触率は7割を目標 (SPEC §6(3)): the people on the list reached (対象者接触率, §13(3)ア).
PERSON_CONTACT_RATE_TARGET = 0.70
NOT_SET = "未設定"


def contact_codes(classification: Classification) -> frozenset[str]:
    """The codes that count as a contact (the classification's ``contact`` mark)."""
    return frozenset(c.code for c in classification.codes if c.contact)


def person_contact_rate(contacted: int, targets: int, excluded: int) -> float:
    """対象者接触率: people reached / people on the list less those excluded."""
    return rate(contacted, targets - excluded)


def calls_and_contacts(rows: Iterable[ResultCount], classification: Classification
                       ) -> tuple[int, int]:
    """Outbound calls and contacts among ``rows`` (the board's definitions)."""
    calls = [r for r in rows if r.direction == OUTBOUND]
    return (sum(r.count for r in calls),
            sum(r.count for r in calls if is_contact(classification, r.code)))


@dataclass(frozen=True)
class ReachCount:
    """One batch's targets as the database counts them (distinct targets) at the end of a day."""

    batch_id: int
    targets: int = 0
    excluded: int = 0
    contacted: int = 0  # not excluded, a contact to date
    contacted_before: int = 0  # of those, first contact before the day began


@dataclass(frozen=True)
class Reach:
    """対象者接触率 and 接触件数率 of a set of batches (one batch, a debt type, a list month…)."""

    targets: int = 0
    excluded: int = 0
    contacted: int = 0
    new_today: int = 0
    calls: int = 0
    contacts: int = 0
    planned_calls: int | None = None

    @property
    def listed(self) -> int:
        """The denominator: the targets on the list, less those excluded."""
        return self.targets - self.excluded

    @property
    def open(self) -> int:
        """Listed targets not reached yet."""
        return self.listed - self.contacted

    @property
    def person_contact_rate(self) -> float:
        return person_contact_rate(self.contacted, self.targets, self.excluded)

    @property
    def call_contact_rate(self) -> float:
        return call_contact_rate(self.contacts, self.calls)

    @property
    def below_target(self) -> bool:
        return self.listed > 0 and self.person_contact_rate < PERSON_CONTACT_RATE_TARGET

    def __add__(self, other: Reach) -> Reach:
        planned = (None if self.planned_calls is None and other.planned_calls is None
                   else (self.planned_calls or 0) + (other.planned_calls or 0))
        return Reach(self.targets + other.targets, self.excluded + other.excluded,
                     self.contacted + other.contacted, self.new_today + other.new_today,
                     self.calls + other.calls, self.contacts + other.contacts, planned)


def reach_of(count: ReachCount, calls: int = 0, contacts: int = 0,
             planned_calls: int | None = None) -> Reach:
    """A batch's figures from its GROUP BY row and its calls to date."""
    return Reach(count.targets, count.excluded, count.contacted,
                 count.contacted - count.contacted_before, calls, contacts, planned_calls)


def total(parts: Iterable[Reach]) -> Reach:
    out = Reach()
    for part in parts:
        out = out + part
    return out


def grouped(parts: Iterable[tuple[str, Reach]]) -> dict[str, Reach]:
    """Sums per key (debt type, or (debt type, month) joined), in first-seen order."""
    out: dict[str, Reach] = {}
    for key, part in parts:
        out[key] = out[key] + part if key in out else part
    return out


def planned(plan: Mapping[str, Mapping[str, int]], debt_type: str, month: str) -> int | None:
    """想定架電件数 of a debt type's list month; None when not configured."""
    return plan.get(debt_type, {}).get(month)


def planned_cell(value: int | None) -> int | str:
    return NOT_SET if value is None else value


# --- projection to the period's end ------------------------------------------------------------

@dataclass(frozen=True)
class Projection:
    """Where the share will be at the period's end if the current pace holds."""

    contacted: int  # projected people reached by the period's end
    listed: int
    calling_days_done: int
    calling_days_left: int

    @property
    def person_contact_rate(self) -> float:
        return rate(self.contacted, self.listed)

    @property
    def below_target(self) -> bool:
        return self.listed > 0 and self.person_contact_rate < PERSON_CONTACT_RATE_TARGET


def project(reach: Reach, calling_days_done: int, calling_days_left: int) -> Projection:
    """The projection to the period's end::

        pace      = people reached so far / calling days so far (today included)
        projected = reached + min(open targets, floor(pace × calling days left))

    where a calling day is a day of the list's calling period with calling windows, and the
    open targets are those listed, not excluded, not reached yet. No calling day so far: no
    pace, the projection is what is reached."""
    pace = reach.contacted / calling_days_done if calling_days_done > 0 else 0.0
    more = min(reach.open, math.floor(pace * max(calling_days_left, 0)))
    return Projection(reach.contacted + max(more, 0), reach.listed, calling_days_done,
                      max(calling_days_left, 0))


def projection_total(parts: Iterable[Projection]) -> Projection | None:
    """The projections of several lists together (None when there is none)."""
    found = list(parts)
    if not found:
        return None
    return Projection(sum(p.contacted for p in found), sum(p.listed for p in found),
                      max(p.calling_days_done for p in found),
                      max(p.calling_days_left for p in found))


def calling_days(days: Iterable[tuple[date, bool]], today: date) -> tuple[int, int]:
    """(calling days up to and including ``today``, calling days after it) from the period's
    days, each with whether it is a calling day."""
    done = left = 0
    for day, calling in days:
        if calling:
            done += day <= today
            left += day > today
    return done, left


def with_planned(reach: Reach, value: int | None) -> Reach:
    return replace(reach, planned_calls=value)
