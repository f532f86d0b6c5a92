"""A whole calling period, simulated, to measure how many of the people on a list are reached
(対象者接触率) under a scheduling policy (``dialer simulate reach``). Every retry is planned by
``reach.plan`` — the code the live store calls — and due targets are taken in ``reach.priority``
order, the order of the store's query.

The population (seeded; the same people for every policy, so a comparison is fair):

* each target has 1 number (50%), 2 (35%) or 3 (15%); the list gives the landline first, as the
  city's files do (電話番号 before 携帯電話番号): each number is a mobile with probability 0.55
  (the first one 0.35), and dead (not in service, wrong) with probability 0.15;
* each person uses one of their live numbers (a mobile twice as likely as a landline): on it
  they answer with the probability of their *type* for the slot; on another live number someone
  answers with a third of that, and it is the person only half the time (else family: 201);
* types (share; answer probability weekday midday / weekday evening / weekend-holiday):
  day people (30%: 0.40 / 0.20 / 0.30), evening people (35%: 0.08 / 0.40 / 0.25),
  weekend people (20%: 0.05 / 0.10 / 0.45), hard to reach (15%: 0.04 / 0.06 / 0.06);
  a landline at weekday midday is answered 0.7 times as often (people are out);
* an unanswered mobile goes to voicemail (202) 40% of the time, else no answer (S02); a line
  is busy (S01) with probability 0.04;
* durations: dead number 8 s; busy 10 s; no answer 30 s of ringing + 5 s; voicemail 20 s +
  10 s; family 60 s + 30 s wrap-up; the person 240 s + 60 s wrap-up — and then the target is
  done (a contact that ends it: 101);
* operators work every window of every day (weekday 11:30-13:30 and 16:30-20:30, weekend and
  holidays 10:00-16:00 by default): the same operator hours for every policy; each takes the
  next due target the moment they are free (progressive dialing, no abandonment);
* limits: ``retry.Limits`` (3 calls a day, 10 in all, per person).

``naive`` is what common dialers do: retry after the classification's fixed delay on the same
number until it proves dead (VICIdial's lead recycling); ``reach`` rotates slots and numbers and
learns answer rates per slot and number kind from the calls it made (``reach.plan``).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from dialer.domain import retry
from dialer.domain.calendar import Calendar, DayKind
from dialer.domain.outcomes import Classification, ResultCode
from dialer.domain.phone import PhoneKind
from dialer.domain.reach_scheduling import (
    AnswerRates,
    Policy,
    Situation,
    Slot,
    Tried,
    answered,
    plan,
    priority,
    slot_at,
)

START = date(2027, 5, 10)  # a Monday after the spring holidays
TYPES: tuple[tuple[str, float, tuple[float, float, float]], ...] = (
    ("day", 0.30, (0.40, 0.20, 0.30)),
    ("evening", 0.35, (0.08, 0.40, 0.25)),
    ("weekend", 0.20, (0.05, 0.10, 0.45)),
    ("hard", 0.15, (0.04, 0.06, 0.06)),
)
NUMBERS = ((1, 0.50), (2, 0.35), (3, 0.15))
DEAD_P = 0.15
BUSY_P = 0.04
VOICEMAIL_P = 0.40
OTHER_NUMBER_FACTOR = 1 / 3
OTHER_NUMBER_SELF_P = 0.5
LANDLINE_MIDDAY_FACTOR = 0.7
SECONDS = {"dead": 8, "busy": 10, "no_answer": 35, "voicemail": 30, "family": 90,
           "person": 300}
CODES = {"dead": "S03", "busy": "S01", "no_answer": "S02", "voicemail": "202",
         "family": "201", "person": "101"}


@dataclass(frozen=True)
class Number:
    kind: PhoneKind
    dead: bool


@dataclass
class Person:
    id: int
    numbers: tuple[Number, ...]
    used: int | None  # the live number the person answers on (None: all dead)
    answers: tuple[float, float, float]  # midday, evening, weekend
    attempts: int = 0
    phone: int = 0
    due: datetime | None = None
    done: bool = False
    reached: bool = False
    tried: list[Tried] = field(default_factory=list)


@dataclass(frozen=True)
class Setup:
    targets: int
    operators: int
    days: int
    seed: int = 1
    policy: Policy = Policy.REACH
    limits: retry.Limits = field(default_factory=retry.Limits)

    def __post_init__(self) -> None:
        if self.targets < 1 or self.operators < 1 or self.days < 1:
            raise ValueError("need at least one target, one operator and one day")


@dataclass(frozen=True)
class Outcome:
    persons: int
    persons_reached: int
    persons_reached_share: float
    calls: int
    contacts: int
    operator_hours: float
    calls_per_person_reached: float
    contact_rate_per_call: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def population(targets: int, seed: int) -> list[Person]:
    rng = random.Random(seed)  # noqa: S311 - a simulation, not security
    people = []
    for n in range(1, targets + 1):
        count = rng.choices([c for c, _ in NUMBERS], [w for _, w in NUMBERS])[0]
        numbers = tuple(Number(PhoneKind.MOBILE if rng.random() < (0.35 if i == 0 else 0.55)
                               else PhoneKind.FIXED, rng.random() < DEAD_P)
                        for i in range(count))
        live = [i for i, x in enumerate(numbers) if not x.dead]
        used = (rng.choices(live, [2.0 if numbers[i].kind is PhoneKind.MOBILE else 1.0
                                   for i in live])[0] if live else None)
        answers = rng.choices([a for _, _, a in TYPES], [w for _, w, _ in TYPES])[0]
        people.append(Person(n, numbers, used, answers))
    return people


class _Run:
    def __init__(self, setup: Setup, calendar: Calendar, table: Classification) -> None:
        self.setup, self.calendar, self.table = setup, calendar, table
        self.rng = random.Random(setup.seed * 7919 + 1)  # noqa: S311 - a simulation
        self.people = population(setup.targets, setup.seed)
        self.last_day = START + timedelta(days=setup.days - 1)  # the calling period's end
        self.rates = AnswerRates()
        self.calls = self.contacts = 0
        self.waiting: list[tuple[datetime, int]] = []
        self.ready: list[tuple[tuple[int, int, datetime | None, int], int]] = []
        start = datetime.combine(START, datetime.min.time(), tzinfo=calendar.tz)
        for p in self.people:
            heapq.heappush(self.ready, (priority(0, None, start, p.id), p.id))

    def next_due(self, now: datetime) -> Person | None:
        while self.waiting and self.waiting[0][0] <= now:
            due, pid = heapq.heappop(self.waiting)
            p = self.people[pid - 1]
            if not p.done and p.due == due:
                heapq.heappush(self.ready, (priority(p.attempts, due, now, pid), pid))
        while self.ready:
            _key, pid = heapq.heappop(self.ready)
            p = self.people[pid - 1]
            if not p.done and (p.due is None or p.due <= now):
                return p
        return None

    def call(self, p: Person, now: datetime) -> float:
        slot = slot_at(self.calendar, now)
        what = self.answer(p, p.phone, slot)
        self.calls += 1
        p.attempts += 1
        number = p.numbers[p.phone]
        code = self.table.get(CODES[what])
        self.rates.add(slot, number.kind, answered(code))
        p.tried.append(Tried(self.calendar.local(now).date(), p.phone, slot, what == "dead"))
        if what == "person":
            self.contacts += 1
            p.reached = True
        self.replan(p, code, now + timedelta(seconds=SECONDS[what]))
        return SECONDS[what]

    def answer(self, p: Person, phone: int, slot: Slot | None) -> str:
        number = p.numbers[phone]
        if number.dead:
            return "dead"
        if self.rng.random() < BUSY_P:
            return "busy"
        group = 2 if slot is None or slot.kind is DayKind.WEEKEND_HOLIDAY else min(slot.index, 1)
        chance = p.answers[group]
        if number.kind is PhoneKind.FIXED and group == 0:
            chance *= LANDLINE_MIDDAY_FACTOR
        mine = phone == p.used
        if not mine:
            chance *= OTHER_NUMBER_FACTOR
        if self.rng.random() < chance:
            return "person" if mine or self.rng.random() < OTHER_NUMBER_SELF_P else "family"
        voicemail = number.kind is PhoneKind.MOBILE and self.rng.random() < VOICEMAIL_P
        return "voicemail" if voicemail else "no_answer"

    def replan(self, p: Person, code: ResultCode, now: datetime) -> None:
        situation = Situation(code, now, self.calendar.local(now).date(), p.tried,
                              [n.kind for n in p.numbers], p.phone, period_end=self.last_day)
        nxt = plan(self.setup.policy, self.calendar, self.setup.limits, situation, self.rates)
        p.phone, p.done = nxt.phone_position, nxt.done
        if p.done:
            return
        p.due = nxt.due_at or now
        heapq.heappush(self.waiting, (p.due, p.id))

    def window(self, start: datetime, end: datetime) -> None:
        free = [(start, n) for n in range(self.setup.operators)]
        heapq.heapify(free)
        while free:
            at, n = heapq.heappop(free)
            if at >= end:
                continue
            p = self.next_due(at)
            if p is None:
                later = self.waiting[0][0] if self.waiting else None
                if later is not None and later < end:
                    heapq.heappush(free, (max(later, at + timedelta(seconds=1)), n))
                continue
            heapq.heappush(free, (at + timedelta(seconds=self.call(p, at)), n))


def simulate(setup: Setup, calendar: Calendar, table: Classification | None = None) -> Outcome:
    run = _Run(setup, calendar, table or Classification())
    hours = 0.0
    for offset in range(setup.days):
        day = START + timedelta(days=offset)
        for window in calendar.windows_on(day):
            start = datetime.combine(day, window.start, tzinfo=calendar.tz)
            end = datetime.combine(day, window.end, tzinfo=calendar.tz)
            hours += setup.operators * (end - start).total_seconds() / 3600
            run.window(start, end)
    reached = sum(1 for p in run.people if p.reached)
    return Outcome(
        persons=len(run.people), persons_reached=reached,
        persons_reached_share=reached / len(run.people), calls=run.calls,
        contacts=run.contacts, operator_hours=hours,
        calls_per_person_reached=run.calls / reached if reached else float("inf"),
        contact_rate_per_call=run.contacts / run.calls if run.calls else 0.0)
