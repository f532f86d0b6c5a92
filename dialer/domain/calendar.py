"""When the centre may call and how the callback line answers (SPEC "Permitted calling windows",
"Implementation periods"; §7(2), §11(3)イ, §14(11)ウ).

Pure: every answer is computed from the settings and the instant passed in; nothing here reads the
clock, a file or the network (Japanese public holidays come from ``jpholiday``, computed offline).

Rules, decided here once:

* Windows are half-open ``[start, end)`` in the calendar's timezone (default Asia/Tokyo), whatever
  timezone the input carries; a naive datetime is refused with ``ValueError``.
* Day kinds: a city-declared closed day has no window; a city-declared extra open day carries the
  day kind whose windows apply; otherwise Saturday, Sunday and every ``jpholiday`` holiday
  (振替休日 and 国民の休日 included) use the weekend/holiday windows, other days the weekday ones.
* Calling needs a window, the debt type's calling period and no suspension. Suspension is always
  passed in explicitly (it has no default) so that no caller can forget it.
* Callback-handling uses the same windows. The line is in period when the date lies in the debt
  type's callback-handling period (any debt type's when the caller's debt type is unknown).
  Precedence: SUSPENDED, then OUT_OF_PERIOD, then OUT_OF_HOURS, then OPEN.
* A period's callback-handling period must cover its whole calling period (it may start earlier
  and end later, §11(3)イ): a resident called on the first calling day may call back that day.
* Windows of one day kind may neither overlap nor touch (touching ones should be one window), so
  ``window_end`` is the real end of calling.

One module on purpose (about 370 lines): the rules above, the types they speak of, their
validation (run by ``Calendar`` itself) and the answers are read together.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jpholiday

DEFAULT_TIMEZONE = "Asia/Tokyo"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class CalendarError(ValueError):
    """The calendar settings are unusable; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid calendar:\n" + "\n".join(f"  - {p}" for p in problems))


class DayKind(StrEnum):
    WEEKDAY = "weekday"
    WEEKEND_HOLIDAY = "weekend_holiday"
    CLOSED = "closed"


class CallbackState(StrEnum):
    OPEN = "open"
    OUT_OF_HOURS = "out_of_hours"
    OUT_OF_PERIOD = "out_of_period"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class Window:
    """One calling window, ``[start, end)`` local time, within a single day."""

    start: time
    end: time

    def __contains__(self, t: time) -> bool:
        return self.start <= t < self.end

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of dates."""

    first: date
    last: date

    def __contains__(self, d: date) -> bool:
        return self.first <= d <= self.last

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


@dataclass(frozen=True)
class Period:
    """One month of one debt type's schedule (別紙): calling and callback-handling periods."""

    month: str  # "YYYY-MM": the month the calling period starts in
    calling: DateRange
    callback: DateRange


@dataclass(frozen=True)
class Suspension:
    """What the city has ordered stopped (§14(11)ウ), in force until released."""

    all_calling: bool = False
    debt_types: frozenset[str] = frozenset()
    callbacks: bool = False

    def stops_calling(self, debt_type: str) -> bool:
        return self.all_calling or debt_type in self.debt_types


NO_SUSPENSION = Suspension()

WEEKDAY_WINDOWS = (Window(time(11, 30), time(13, 30)), Window(time(16, 30), time(20, 30)))
WEEKEND_HOLIDAY_WINDOWS = (Window(time(10, 0), time(16, 0)),)


@dataclass(frozen=True)
class CalendarSettings:
    """The calendar as configured (unvalidated); ``validate`` tells what is wrong with it."""

    weekday: tuple[Window, ...] = WEEKDAY_WINDOWS
    weekend_holiday: tuple[Window, ...] = WEEKEND_HOLIDAY_WINDOWS
    closed_days: frozenset[date] = frozenset()
    open_days: Mapping[date, DayKind] = field(default_factory=dict)  # date -> kind whose windows
    periods: Mapping[str, tuple[Period, ...]] = field(default_factory=dict)  # debt type -> periods
    timezone: str = DEFAULT_TIMEZONE

    def windows_for(self, kind: DayKind) -> tuple[Window, ...]:
        if kind is DayKind.WEEKDAY:
            return self.weekday
        if kind is DayKind.WEEKEND_HOLIDAY:
            return self.weekend_holiday
        return ()


@dataclass(frozen=True)
class DayInfo:
    """One day as ``dialer calendar`` shows it."""

    day: date
    kind: DayKind
    holiday_name: str | None
    windows: tuple[Window, ...]
    in_calling_period: bool
    in_callback_period: bool


def holiday_name(d: date) -> str | None:
    """The Japanese public holiday's name (振替休日, 国民の休日 included), or None."""
    return jpholiday.is_holiday_name(d)


def _hhmm(t: time) -> str:
    if t == time.max:
        return "24:00"
    return t.isoformat(timespec="seconds" if t.second else "minutes")


# --- validation -------------------------------------------------------------------------------


def validate(settings: CalendarSettings, known_debt_types: Collection[str] | None) -> list[str]:
    """Every problem with ``settings`` at once (empty when usable).

    ``known_debt_types`` None skips the unknown-debt-type check.
    """
    problems = _timezone_problems(settings.timezone)
    for kind in (DayKind.WEEKDAY, DayKind.WEEKEND_HOLIDAY):
        problems += _window_problems(kind, settings.windows_for(kind))
    problems += _special_day_problems(settings)
    for debt_type in sorted(settings.periods):
        if known_debt_types is not None and debt_type not in known_debt_types:
            problems.append(f"periods: unknown debt type {debt_type!r}")
        problems += _period_problems(debt_type, settings.periods[debt_type])
    return problems


def _timezone_problems(name: str) -> list[str]:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [f"timezone: unknown timezone {name!r}"]
    return []


def _window_problems(kind: DayKind, windows: tuple[Window, ...]) -> list[str]:
    problems = [f"{kind} window {w}: end is not after start" for w in windows if w.end <= w.start]
    valid = sorted((w for w in windows if w.start < w.end), key=lambda w: w.start)
    for before, after in pairwise(valid):
        if before.end >= after.start:
            problems.append(f"{kind} windows {before} and {after} overlap or touch")
    return problems


def _special_day_problems(settings: CalendarSettings) -> list[str]:
    problems = [
        f"{d.isoformat()} is both a closed day and an open day"
        for d in sorted(settings.closed_days & settings.open_days.keys())
    ]
    for d, kind in sorted(settings.open_days.items()):
        if kind not in (DayKind.WEEKDAY, DayKind.WEEKEND_HOLIDAY):
            problems.append(f"open day {d.isoformat()}: kind must be weekday or weekend_holiday")
    return problems


def _period_problems(debt_type: str, periods: tuple[Period, ...]) -> list[str]:
    problems: list[str] = []
    for p in periods:
        where = f"periods[{debt_type!r}] {p.month}"
        problems += [f"{where}: {problem}" for problem in _one_period_problems(p)]
    months = [p.month for p in periods]
    problems += [
        f"periods[{debt_type!r}]: month {m} given twice" for m in sorted(set(months))
        if months.count(m) > 1
    ]
    ordered = sorted(periods, key=lambda p: p.calling.first)
    for a, b in pairwise(ordered):
        if b.calling.first <= a.calling.last:
            problems.append(f"periods[{debt_type!r}]: calling periods {a.month} and {b.month} "
                            "overlap")
    return problems


def _one_period_problems(p: Period) -> list[str]:
    problems = [
        f"{name} period {r} ends before it starts"
        for name, r in (("calling", p.calling), ("callback", p.callback)) if r.last < r.first
    ]
    if not _MONTH.fullmatch(p.month):
        problems.append("month must be written YYYY-MM")
    elif p.calling.first.strftime("%Y-%m") != p.month:
        problems.append(f"calling period {p.calling} does not start in {p.month}")
    if p.callback.last < p.calling.last:
        problems.append(f"callback period {p.callback} ends before calling period {p.calling}")
    if p.callback.first > p.calling.first:
        problems.append(f"callback period {p.callback} starts after calling period {p.calling}")
    return problems


# --- the calendar -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Validated calendar answering questions about instants; raises ``CalendarError``."""

    settings: CalendarSettings = field(default_factory=CalendarSettings)
    known_debt_types: frozenset[str] | None = None

    def __post_init__(self) -> None:
        problems = validate(self.settings, self.known_debt_types)
        if problems:
            raise CalendarError(problems)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def local(self, at: datetime) -> datetime:
        """``at`` in the calendar's timezone; a naive datetime raises ``ValueError``."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at.isoformat()}: a timezone is required")
        return at.astimezone(self.tz)

    def day_kind(self, d: date) -> DayKind:
        if d in self.settings.closed_days:
            return DayKind.CLOSED
        if d in self.settings.open_days:
            return self.settings.open_days[d]
        if d.weekday() >= 5 or holiday_name(d) is not None:
            return DayKind.WEEKEND_HOLIDAY
        return DayKind.WEEKDAY

    def windows_on(self, d: date) -> tuple[Window, ...]:
        return self.settings.windows_for(self.day_kind(d))

    def window_at(self, at: datetime) -> Window | None:
        """The window containing ``at``, or None when calling hours are closed."""
        local = self.local(at)
        return next((w for w in self.windows_on(local.date()) if local.time() in w), None)

    def is_open(self, at: datetime) -> bool:
        """Inside a window (periods and suspension not considered)."""
        return self.window_at(at) is not None

    def in_calling_period(self, d: date, debt_type: str | None, month: str | None = None
                          ) -> bool:
        """In the debt type's calling period (any debt type's when None); with ``month``, only
        that month's list's period counts (SPEC §7(2)ア: each month's list in its period)."""
        return any(d in p.calling for p in self._periods(debt_type, month))

    def in_callback_period(self, d: date, debt_type: str | None, month: str | None = None
                           ) -> bool:
        """In the debt type's callback-handling period (any debt type's when None); with
        ``month``, only that month's list's period counts."""
        return any(d in p.callback for p in self._periods(debt_type, month))

    def calling_ahead(self, d: date, debt_type: str, month: str | None = None) -> bool:
        """Has ``debt_type`` (that ``month``'s list, when given) a calling period that has not
        ended by ``d`` (now or later)?"""
        return any(p.calling.last >= d for p in self._periods(debt_type, month))

    def period(self, debt_type: str, month: str) -> Period | None:
        """The implementation schedule's entry for that month's list, None if there is none."""
        return next(self._periods(debt_type, month), None)

    def _periods(self, debt_type: str | None, month: str | None = None) -> Iterator[Period]:
        if debt_type is not None:
            yield from (p for p in self.settings.periods.get(debt_type, ())
                        if month is None or p.month == month)
            return
        for periods in self.settings.periods.values():
            yield from periods

    def may_dial(self, at: datetime, debt_type: str, *, suspension: Suspension,
                 month: str | None = None) -> bool:
        """May a call for ``debt_type`` (from that ``month``'s list, when given) be started at
        ``at``?"""
        local = self.local(at)
        return (
            not suspension.stops_calling(debt_type)
            and self.in_calling_period(local.date(), debt_type, month)
            and self.is_open(local)
        )

    def callback_state(
        self, at: datetime, debt_type: str | None, *, suspension: Suspension
    ) -> CallbackState:
        """How the callback line answers at ``at`` (debt type None: the caller is not known)."""
        local = self.local(at)
        if suspension.callbacks:
            return CallbackState.SUSPENDED
        if not self.in_callback_period(local.date(), debt_type):
            return CallbackState.OUT_OF_PERIOD
        if not self.is_open(local):
            return CallbackState.OUT_OF_HOURS
        return CallbackState.OPEN

    def window_end(self, at: datetime) -> datetime | None:
        """End of the window containing ``at`` (calendar timezone), None if closed."""
        local = self.local(at)
        window = self.window_at(local)
        if window is None:
            return None
        return datetime.combine(local.date(), window.end, tzinfo=self.tz)

    def next_window_open(
        self, at: datetime, debt_type: str | None = None, horizon_days: int = 400,
        month: str | None = None,
    ) -> datetime | None:
        """The first window start at or after ``at``, None if none within ``horizon_days``.

        With a debt type, only days in its calling period count (that month's list's, when
        ``month`` is given). Suspension is not considered:
        it lasts until the city releases it, which no calendar can tell.
        """
        local = self.local(at)
        for offset in range(horizon_days + 1):
            d = local.date() + timedelta(days=offset)
            if debt_type is not None and not self.in_calling_period(d, debt_type, month):
                continue
            starts = (datetime.combine(d, w.start, tzinfo=self.tz) for w in self.windows_on(d))
            found = min((s for s in starts if s >= local), default=None)
            if found is not None:
                return found
        return None

    def days(self, first: date, last: date, debt_type: str | None) -> list[DayInfo]:
        """Each day from ``first`` to ``last`` inclusive (debt type None: any debt type)."""
        if last < first:
            raise ValueError(f"last day {last.isoformat()} is before first {first.isoformat()}")
        return [self.day_info(first + timedelta(days=n), debt_type)
                for n in range((last - first).days + 1)]

    def day_info(self, d: date, debt_type: str | None) -> DayInfo:
        kind = self.day_kind(d)
        return DayInfo(
            day=d,
            kind=kind,
            holiday_name=holiday_name(d),
            windows=self.settings.windows_for(kind),
            in_calling_period=self.in_calling_period(d, debt_type),
            in_callback_period=self.in_callback_period(d, debt_type),
        )
