"""The supervisor board's rules (pure): what today is, what a call, a contact, a promise and an
escalation are, how figures fold per debt type and per hour, and a campaign's state.

Definitions (all "today" = the centre's local calendar day, ``[00:00, next 00:00)`` in its zone):

* a **call** is an outbound attempt whose result was recorded today (every result code counts,
  system ones such as busy or no answer included: the contact rate's denominator);
* a **contact** is a call whose result code has ``contact`` in the classification;
* the **call contact rate** (接触件数率) is contacts / calls (``call_contact_rate``, the one place
  it is computed) — a secondary figure: the 70% target of SPEC §6(3) is for 対象者接触率, the
  people on the list reached (``dialer.domain.reach``);
* a **promise** is a result whose code has ``promise`` in the classification (outbound or
  callback);
* an **escalation** is a result whose code is marked ★/☆, or whose call note was flagged as an
  escalation by the operator (outbound or callback; a call counts once);
* a **callback** here is an inbound attempt (an identified resident calling back) with a result
  recorded today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dialer.domain.outcomes import Classification, ResultCode, UnknownResultCode

OUTBOUND, INBOUND = "out", "in"


def rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def call_contact_rate(contacts: int, calls: int) -> float:
    """接触件数率: contacts per outbound call (0 without calls)."""
    return rate(contacts, calls)


# --- today --------------------------------------------------------------------------------------

def local_day(at: datetime, tz: ZoneInfo) -> date:
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return at.astimezone(tz).date()


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day ``day`` as ``[start, end)`` in UTC."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def hour_edges(day: date, tz: ZoneInfo) -> list[tuple[int, datetime]]:
    """The local hours of ``day``: (local hour, its start in UTC), in order, each hour lasting
    until the next one's start (or the day's end). 23 or 25 of them on a DST change day."""
    start, end = day_bounds(day, tz)
    edges: list[tuple[int, datetime]] = []
    moment = start
    while moment < end:
        edges.append((moment.astimezone(tz).hour, moment))
        moment += timedelta(hours=1)
    return edges


# --- per debt type ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultCount:
    """How many of a day's results had this debt type, direction and code, in the hour
    ``bucket`` (an index into ``hour_edges``) — a GROUP BY row; ``noted_escalations`` of them
    carry a call note flagged as an escalation."""

    debt_type: str
    direction: str
    code: str
    count: int
    noted_escalations: int = 0
    bucket: int = 0


@dataclass(frozen=True)
class DebtTypeFigures:
    debt_type: str
    label: str
    in_play: int  # targets not done (and not excluded) in the open batches of this debt type
    calls: int
    contacts: int
    promises: int
    escalations: int
    callbacks: int

    @property
    def contact_rate(self) -> float:
        return call_contact_rate(self.contacts, self.calls)


def _code(classification: Classification, code: str) -> ResultCode | None:
    try:
        return classification.get(code)
    except UnknownResultCode:  # a code of an older table: counted, never a contact
        return None


def is_contact(classification: Classification, code: str) -> bool:
    result = _code(classification, code)
    return result is not None and result.contact


def escalations_in(classification: Classification, row: ResultCount) -> int:
    result = _code(classification, row.code)
    return row.count if result is not None and result.escalation else row.noted_escalations


def by_debt_type(rows: Iterable[ResultCount], classification: Classification,
                 in_play: Mapping[str, int], labels: Mapping[str, str]) -> list[DebtTypeFigures]:
    """One row per configured debt type (``labels``, in that order: a stable table), then
    any other debt type with results today or targets in play."""
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        t = totals.setdefault(row.debt_type, dict.fromkeys(
            ("calls", "contacts", "promises", "escalations", "callbacks"), 0))
        if row.direction == OUTBOUND:
            t["calls"] += row.count
            if is_contact(classification, row.code):
                t["contacts"] += row.count
        else:
            t["callbacks"] += row.count
        if classification.is_promise(row.code):
            t["promises"] += row.count
        t["escalations"] += escalations_in(classification, row)
    present = set(totals) | {d for d, n in in_play.items() if n}
    order = list(labels) + sorted(present - set(labels))
    empty = dict.fromkeys(("calls", "contacts", "promises", "escalations", "callbacks"), 0)
    return [DebtTypeFigures(d, labels.get(d, d), in_play.get(d, 0), **totals.get(d, empty))
            for d in order]


# --- per hour -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HourFigures:
    hour: int  # local hour of day
    calls: int
    contacts: int

    @property
    def contact_rate(self) -> float:
        return call_contact_rate(self.contacts, self.calls)


def hourly(rows: Iterable[ResultCount], classification: Classification,
           hours: Sequence[int]) -> list[HourFigures]:
    """Outbound calls and contacts per hour; ``hours`` is the local hour of each bucket
    (``hour_edges``)."""
    calls = [0] * len(hours)
    contacts = [0] * len(hours)
    for row in rows:
        if row.direction == OUTBOUND and 0 <= row.bucket < len(hours):
            calls[row.bucket] += row.count
            if is_contact(classification, row.code):
                contacts[row.bucket] += row.count
    return [HourFigures(h, calls[i], contacts[i]) for i, h in enumerate(hours)]


# --- campaigns ----------------------------------------------------------------------------------

class CampaignState(StrEnum):
    RUNNING = "running"
    WINDOW_CLOSED = "window_closed"  # outside the calling hours or the debt type's period
    SUSPENDED = "suspended"  # the city ordered calling stopped (all, or this debt type)
    ASTERISK_DOWN = "asterisk_down"  # the AMI link is down: nothing can be dialled
    NOTHING_DUE = "nothing_due"  # open, but no target is due now (until: the next one due)


def campaign_state(*, asterisk_up: bool, suspended: bool, calendar_allows: bool,
                   due_now: bool = True) -> CampaignState:
    """Why a campaign is (not) dialing; the first reason that stops it wins, the fault first;
    ``due_now``: some target of the list is due (a quiet centre says why it is quiet)."""
    if not asterisk_up:
        return CampaignState.ASTERISK_DOWN
    if suspended:
        return CampaignState.SUSPENDED
    if not calendar_allows:
        return CampaignState.WINDOW_CLOSED
    if not due_now:
        return CampaignState.NOTHING_DUE
    return CampaignState.RUNNING


# --- assignment ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignmentCount:
    """A GROUP BY row: a batch's targets assigned to one operator (None: unassigned)."""

    batch_id: int
    operator: str | None  # login
    targets: int
    remaining: int  # of those, not done


@dataclass(frozen=True)
class OperatorShare:
    operator: str
    targets: int
    remaining: int


@dataclass(frozen=True)
class BatchAssignment:
    batch_id: int
    debt_type: str
    month: str
    targets: int
    unassigned: int
    unassigned_remaining: int
    operators: tuple[OperatorShare, ...]


def assignments(rows: Iterable[AssignmentCount],
                batches: Mapping[int, tuple[str, str]]) -> list[BatchAssignment]:
    """Per batch (``batches``: id -> (debt type, month), in that order): its operators' shares,
    largest first, and what nobody has."""
    per: dict[int, list[AssignmentCount]] = {}
    for row in rows:
        per.setdefault(row.batch_id, []).append(row)
    out = []
    for batch_id, (debt_type, month) in batches.items():
        counts = per.get(batch_id, [])
        nobody = [c for c in counts if c.operator is None]
        shares = sorted((OperatorShare(c.operator, c.targets, c.remaining)
                         for c in counts if c.operator is not None),
                        key=lambda s: (-s.targets, s.operator))
        out.append(BatchAssignment(batch_id, debt_type, month, sum(c.targets for c in counts),
                                   sum(c.targets for c in nobody),
                                   sum(c.remaining for c in nobody), tuple(shares)))
    return out
