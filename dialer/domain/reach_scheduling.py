"""Calling that reaches people: when, and on which number, a target is tried again.

``retry.after`` decides *whether* a target is called again and how soon at the earliest (the
classification's rule, the per-day and total limits). The ``reach`` policy then places that
retry where the person is likelier to answer; ``naive`` keeps it as it is — retry after the
fixed delay, on the same number, in the same order (what common dialers' lead recycling does).

Under ``reach``, what a result does is a table (``MOVES``), keyed by the result's retry rule and
whether its delay says "nobody there at this hour" (an hour or more: no answer, answering
machine, family answered) or "someone is there, just busy" (less: busy line, congestion):

* **rotate** — the next try goes to the *slot* (the calendar's windows: weekday midday, weekday
  evening, weekend/holiday) with the lowest score: the times this person was tried in it, plus
  the days to wait for it ÷ ``WAIT_DAYS_PER_TRY``, minus the answer rate learned for it and the
  number's kind (mobile or landline, ``AnswerRates``) — never a slot after the list's calling
  period; and to the number tried least among the live ones (ties: the one after the current),
  never a number that proved dead (a dead number sends the next call to a live one before it
  as well as after it);
* **keep** — the same number, after the classification's delay (busy: soon);
* dead numbers, appointments and final results are ``retry.after``'s alone.

The live store (``dialer.adapters.db.attempts``) and the whole-period simulation
(``dialer.domain.reach_sim``) both call ``plan``; the order in which due targets are taken is
``priority`` here, which the store's query mirrors in SQL (fewest attempts first, the longest
overdue next).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from dialer.domain import phone, retry
from dialer.domain.calendar import Calendar, DayKind
from dialer.domain.outcomes import ResultCode, Retry
from dialer.domain.phone import PhoneKind

ROTATE_FROM_MIN = 60  # a retry delay this long means "not reachable at this hour"
SLOT_HORIZON_DAYS = 14  # how far ahead a slot's next window is looked for
WAIT_DAYS_PER_TRY = 1.5  # waiting this many days for a slot weighs as much as one more try in it


class Policy(StrEnum):
    NAIVE = "naive"
    REACH = "reach"


class Move(StrEnum):
    KEEP = "keep"  # same number, the classification's delay
    ROTATE = "rotate"  # least-tried slot and number


# (the result's retry rule, its delay is ROTATE_FROM_MIN or more) -> what the reach policy does
MOVES: dict[tuple[Retry, bool], Move] = {
    (Retry.LATER, True): Move.ROTATE,
    (Retry.LATER, False): Move.KEEP,
    (Retry.NEXT_PHONE, True): Move.KEEP,
    (Retry.NEXT_PHONE, False): Move.KEEP,
    (Retry.APPOINTMENT, True): Move.KEEP,
    (Retry.APPOINTMENT, False): Move.KEEP,
    (Retry.NEVER, True): Move.KEEP,
    (Retry.NEVER, False): Move.KEEP,
}


def move_of(result: ResultCode) -> Move:
    return MOVES[(result.retry, result.retry_after_min >= ROTATE_FROM_MIN)]


@dataclass(frozen=True, order=True)
class Slot:
    """One of the calendar's windows by day kind: (weekday, 0) is the weekday's first."""

    kind: DayKind
    index: int


def slots(calendar: Calendar) -> tuple[Slot, ...]:
    return tuple(Slot(kind, i) for kind in (DayKind.WEEKDAY, DayKind.WEEKEND_HOLIDAY)
                 for i in range(len(calendar.settings.windows_for(kind))))


def slot_at(calendar: Calendar, at: datetime) -> Slot | None:
    """The slot ``at`` falls in, None outside every window (or on a closed day)."""
    local = calendar.local(at)
    kind = calendar.day_kind(local.date())
    for i, window in enumerate(calendar.windows_on(local.date())):
        if local.time() in window:
            return Slot(kind, i)
    return None


def next_start(calendar: Calendar, slot: Slot, at: datetime) -> datetime | None:
    """The first moment at or after ``at`` inside one of ``slot``'s windows (``at`` itself when
    it is inside one), None within SLOT_HORIZON_DAYS."""
    local = calendar.local(at)
    for offset in range(SLOT_HORIZON_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if calendar.day_kind(day) is not slot.kind:
            continue
        window = calendar.windows_on(day)[slot.index]
        start = datetime.combine(day, window.start, tzinfo=calendar.tz)
        end = datetime.combine(day, window.end, tzinfo=calendar.tz)
        if local < end:
            return max(start, local)
    return None


@dataclass(frozen=True)
class Tried:
    """One past call of the target, as the plan needs it."""

    day: date  # the centre's local date
    phone_position: int
    slot: Slot | None = None
    dead: bool = False  # its result said this number is dead (retry: next_phone)

    def past(self) -> retry.PastAttempt:
        return retry.PastAttempt(self.day, self.phone_position)


@dataclass
class AnswerRates:
    """Answer rates per slot and number kind, learned from the campaign's own calls: (answered
    + 1) / (calls + 2) — one half before anything is known."""

    counts: dict[tuple[Slot, PhoneKind], list[int]] = field(default_factory=dict)

    def add(self, slot: Slot | None, kind: PhoneKind, answered: bool) -> None:
        if slot is None:
            return
        seen = self.counts.setdefault((slot, kind), [0, 0])
        seen[0] += 1
        seen[1] += int(answered)

    def rate(self, slot: Slot, kind: PhoneKind) -> float:
        calls, answered = self.counts.get((slot, kind), (0, 0))
        return (answered + 1) / (calls + 2)


NO_RATES = AnswerRates()


def number_kind(number: str) -> PhoneKind:
    """The kind the answer rates are learned per; a number that does not parse counts as a
    landline (it was accepted at import, so this is only ever a test's made-up number)."""
    try:
        return phone.kind(number)
    except phone.PhoneError:
        return PhoneKind.FIXED


def answered(result: ResultCode) -> bool:
    """Did someone pick up? Every result an operator chose; none the dialer set (busy, no
    answer, dead, congestion — and an abandoned call, which is rare and counted as not)."""
    return not result.system


@dataclass(frozen=True)
class Situation:
    """What ``plan`` knows about the target after a call."""

    result: ResultCode
    now: datetime
    today: date  # the centre's local date of ``now``
    tried: Sequence[Tried]  # the target's calls so far, this one included
    kinds: Sequence[PhoneKind]  # the target's numbers' kinds, in position order
    current_phone: int
    appointment: datetime | None = None
    # the days its person was called on the debt type's other lists (for the limits only)
    elsewhere: Sequence[date] = ()
    # the last day of the list's calling period: a slot after it is never a choice
    period_end: date | None = None


def plan(policy: Policy, calendar: Calendar | None, limits: retry.Limits, s: Situation,
         rates: AnswerRates = NO_RATES) -> retry.Plan:
    """The target's next call (or none) after a call that ended with ``s.result``; without a
    calendar, always ``naive``."""
    today = s.today
    history = [*(t.past() for t in s.tried),
               *(retry.PastAttempt(day, -1) for day in s.elsewhere)]
    base = retry.after(s.result, s.now, today, history, len(s.kinds), s.current_phone, limits,
                       s.appointment)
    if policy is Policy.NAIVE or calendar is None:
        return base
    if s.result.retry is Retry.NEXT_PHONE and len(history) < limits.total:
        # a dead number: the next live one, wherever it is in the list (rotation may have
        # left live numbers before this one)
        live = _next_phone(s.tried, len(s.kinds), s.current_phone)
        if live is None:
            return retry.Plan(done=True, phone_position=s.current_phone)
        return retry.Plan(False, retry.held(None, s.now, today, history, limits), live)
    if base.done or move_of(s.result) is Move.KEEP:
        return base
    phone = _next_phone(s.tried, len(s.kinds), base.phone_position)
    if phone is None:
        return base
    due = _next_slot_start(calendar, s.tried, s.kinds[phone], base.due_at or s.now, rates,
                           s.period_end)
    return replace(base, due_at=due or base.due_at, phone_position=phone)


def _next_phone(tried: Sequence[Tried], count: int, current: int) -> int | None:
    dead = {t.phone_position for t in tried if t.dead}
    live = [p for p in range(count) if p not in dead]
    if not live:
        return None
    return min(live, key=lambda p: (sum(1 for t in tried if t.phone_position == p),
                                    (p - current - 1) % count))


def _next_slot_start(calendar: Calendar, tried: Sequence[Tried], kind: PhoneKind,
                     earliest: datetime, rates: AnswerRates, period_end: date | None
                     ) -> datetime | None:
    options = []
    for slot in slots(calendar):
        start = next_start(calendar, slot, earliest)
        if start is None or (period_end is not None and start.date() > period_end):
            continue
        waited = (start - earliest).total_seconds() / 86400
        score = (sum(1 for t in tried if t.slot == slot) + waited / WAIT_DAYS_PER_TRY
                 - rates.rate(slot, kind))
        options.append((round(score, 3), start))
    return min(options)[1] if options else None


def priority(attempts: int, due_at: datetime | None, now: datetime, target_id: int
             ) -> tuple[int, int, datetime | None, int]:
    """The order due targets are taken in (smaller first): fewest calls first — people not
    yet tried before those tried again —, then the longest overdue, then those due now."""
    overdue = due_at is not None and due_at <= now
    return (attempts, 0 if overdue else 1, due_at if overdue else None, target_id)
