"""The supervisor board's figures: its headline 対象者接触率 (the people on the lists in play
reached, against the 70% target, with the projection to the calling period's end:
``dialer.domain.reach.project``), today's results per debt type and per hour with 接触件数率
(contacts per call) as a secondary figure, the callback line, the campaigns' states, who has which
targets, and the emergencies flagged in the last hour. Rules and definitions are in
``dialer.domain.supervision``; SQL in ``dialer.adapters.db.board_figures``.

``publish_board`` pushes the board to the ``board`` topic every second (and at once when an
operator's state changes), only while someone is watching.

One module (about 320 lines): the board's snapshot is one document, built in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dialer import config
from dialer.adapters.db import board_figures as figures
from dialer.adapters.db import recordings as recording_rows
from dialer.adapters.db import suspensions as orders_db
from dialer.adapters.db.board_figures import BatchRow, EmergencyRow
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.recordings import RecordingRow
from dialer.config import Settings
from dialer.domain.calendar import NO_SUSPENSION, Calendar
from dialer.domain.inbound import InboundSummary, summarize
from dialer.domain.line_budget import Lines
from dialer.domain.operators import Operator
from dialer.domain.outcomes import Classification
from dialer.domain.reach import (
    PERSON_CONTACT_RATE_TARGET,
    Projection,
    Reach,
    projection_total,
    total,
)
from dialer.domain.supervision import (
    OUTBOUND,
    AssignmentCount,
    BatchAssignment,
    CampaignState,
    DebtTypeFigures,
    HourFigures,
    ResultCount,
    assignments,
    by_debt_type,
    call_contact_rate,
    campaign_state,
    day_bounds,
    hour_edges,
    hourly,
    is_contact,
    local_day,
)
from dialer.domain.suspension import Order
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.reports import reach as reach_figures
from dialer.services.reports.reach import ListReach
from dialer.services.runtime.live import BOARD, LiveHub
from dialer.services.supervision.board_alerts import alert_message, recording_message

log = logging.getLogger(__name__)

NOTHING_LEFT = timedelta(days=3650)  # a batch with no target left is never due

TargetFigures = tuple[list[BatchRow], dict[int, int], list[AssignmentCount],
                      dict[int, datetime | None]]
ALERTS_KEPT = timedelta(hours=1)  # emergencies shown to a board opened after they were flagged
NEXT_WINDOW_HORIZON_DAYS = 62
MIN_GAP_S = 0.25  # a burst of operator changes becomes one push


@dataclass(frozen=True)
class ResultRow:
    code: str
    label: str
    mark: str
    count: int


@dataclass(frozen=True)
class CampaignView:
    batch_id: int
    debt_type: str
    state: CampaignState
    until: datetime | None = None  # the window's end while running, its next opening if closed


@dataclass(frozen=True)
class Board:
    at: datetime
    operators: list[Operator]
    results: list[ResultRow]  # today's outbound results per code
    contacts: int
    attempts: int  # today's outbound calls (attempts with a result)
    inbound: InboundSummary
    campaigns: list[int]
    dialing: bool
    by_debt_type: list[DebtTypeFigures] = field(default_factory=list)
    hours: list[HourFigures] = field(default_factory=list)
    campaign_states: list[CampaignView] = field(default_factory=list)
    assignments: list[BatchAssignment] = field(default_factory=list)
    emergencies: list[EmergencyRow] = field(default_factory=list)
    recordings: list[RecordingRow] = field(default_factory=list)  # reports not acknowledged
    asterisk_up: bool = True
    target: float = PERSON_CONTACT_RATE_TARGET  # for 対象者接触率
    suspensions: list[Order] = field(default_factory=list)  # the city's orders in force
    lists: list[ListReach] = field(default_factory=list)  # the lists in play, to date
    reports_overdue: date | None = None  # the day whose daily reports missed deadline_at
    lines: Lines | None = None  # the trunk: outbound, callbacks, reserve (None: no budget)

    @property
    def contact_rate(self) -> float:
        """接触件数率 of today's calls (secondary)."""
        return call_contact_rate(self.contacts, self.attempts)

    @property
    def persons(self) -> Reach:
        """対象者接触率 of the lists in play, to date: the headline."""
        return total(item.reach for item in self.lists)

    @property
    def projection(self) -> Projection | None:
        return projection_total(i.projection for i in self.lists if i.projection is not None)

    def persons_by_debt_type(self) -> dict[str, Reach]:
        out: dict[str, Reach] = {}
        for item in self.lists:
            out[item.debt_type] = out.get(item.debt_type, Reach()) + item.reach
        return out


class BoardSource:
    """Computes the board; ``changed`` is set whenever an operator's state changes.

    ``settings`` (optional) gives the centre's time zone, the debt types' names, the calendar
    and the congestion-message interval; ``ami_connected`` tells an Asterisk outage apart from
    a closed window. Without them the clock's zone is the day's and the states are coarser.
    ``wall`` is the clock of Asterisk's event timestamps (the service clock may be shifted).
    ``reports_overdue`` tells the day whose daily reports are missing past ``[reports]
    deadline_at`` (``DeadlineWatch.overdue``).
    The day's results are read at every call; the open batches' target counts and the lists'
    対象者接触率 (lists in play today: a calling or callback period covers the day, or the
    campaign is open) at most every ``targets_ttl_s``.
    """

    def __init__(self, database: Database, pool: OperatorPool, runner: CampaignRunner,
                 inbound: InboundTracker, classification: Callable[[], Classification],
                 clock: Callable[[], datetime], *,
                 settings: Callable[[], Settings] | None = None,
                 ami_connected: Callable[[], bool] | None = None,
                 reports_overdue: Callable[[], date | None] | None = None,
                 wall: Callable[[], float] = time.time, targets_ttl_s: float = 5.0) -> None:
        self._db, self._pool, self._runner = database, pool, runner
        self._inbound, self._classification, self.clock = inbound, classification, clock
        self._settings, self._ami_connected, self._wall = settings, ami_connected, wall
        self._targets_ttl_s = targets_ttl_s
        self._reports_overdue = reports_overdue or (lambda: None)
        self._target_cache: tuple[tuple[int, ...], float, TargetFigures] | None = None
        self._reach_cache: tuple[tuple[Any, ...], float, list[ListReach]] | None = None
        self._calendar: tuple[Settings, Calendar] | None = None
        self.changed = asyncio.Event()
        pool.on_change(lambda _op: self.changed.set())

    async def __call__(self) -> Board:
        now = self.clock()
        settings = self._settings() if self._settings is not None else None
        tz = _zone(now, settings)
        start, end = day_bounds(local_day(now, tz), tz)
        edges = hour_edges(local_day(now, tz), tz)
        open_ids = tuple(sorted(self._runner.campaigns))
        async with self._db.connect() as conn:
            rows = await figures.day_results(conn, [e for _h, e in edges], end)
            alerts = await figures.emergencies_since(conn, max(start, now - ALERTS_KEPT))
            recordings = await recording_rows.unacknowledged(conn)
            batch_rows, playing, assigned, due = await self._targets(conn, open_ids)
            orders = await orders_db.active(conn)
            lists = await self._lists(conn, settings, local_day(now, tz), open_ids)
        table = self._classification()
        debt_of = {b.id: b.debt_type for b in batch_rows}
        in_play: dict[str, int] = {}
        for batch_id, count in playing.items():
            in_play[debt_of[batch_id]] = in_play.get(debt_of[batch_id], 0) + count
        labels = {d.code: d.name for d in settings.debt_types} if settings else {}
        results = _results(rows, table)
        up = self._ami_connected() if self._ami_connected is not None else True
        views = self._campaigns(now, settings, up, due)
        return Board(
            at=now,
            operators=sorted(self._pool.all(), key=lambda op: (op.seat, op.login)),
            results=results,
            contacts=sum(r.count for r in results if is_contact(table, r.code)),
            attempts=sum(r.count for r in results),
            inbound=self._inbound_summary(now, start, settings),
            campaigns=list(open_ids),
            dialing=any(v.state is CampaignState.RUNNING for v in views),
            by_debt_type=by_debt_type(rows, table, in_play, labels),
            hours=hourly(rows, table, [h for h, _e in edges]),
            campaign_states=views,
            assignments=assignments(assigned, {b.id: (b.debt_type, b.month)
                                               for b in batch_rows}),
            emergencies=alerts,
            recordings=recordings,
            asterisk_up=up,
            suspensions=orders,
            lists=lists,
            reports_overdue=self._reports_overdue(),
            lines=self._runner.lines() if self._runner.line_budget is not None else None,
        )

    async def _lists(self, conn: Connection, settings: Settings | None, today: Any,
                     open_ids: tuple[int, ...]) -> list[ListReach]:
        """The lists in play and their 対象者接触率 to date, reused for ``targets_ttl_s``
        (it counts every target of those lists). Without settings: none."""
        if settings is None:
            return []
        key = (open_ids, today, id(settings))
        cached = self._reach_cache
        if cached is not None and cached[0] == key and \
                time.monotonic() - cached[1] < self._targets_ttl_s:
            return cached[2]
        batches = await reach_figures.lists_in_play(conn, settings, today, open_ids)
        found = await reach_figures.list_reach(conn, settings, batches, today)
        self._reach_cache = (key, time.monotonic(), found)
        return found

    async def _targets(self, conn: Connection, open_ids: tuple[int, ...]) -> TargetFigures:
        """The open batches' targets: in play and assigned. They move slowly and cost a scan
        of those batches, so they are reused for ``targets_ttl_s`` (or until the campaigns
        change)."""
        cached = self._target_cache
        if cached is not None and cached[0] == open_ids and \
                time.monotonic() - cached[1] < self._targets_ttl_s:
            return cached[2]
        found: TargetFigures = (await figures.batches(conn, open_ids),
                                await figures.in_play(conn, open_ids),
                                await figures.assignment_counts(conn, open_ids),
                                await figures.next_due(conn, open_ids))
        self._target_cache = (open_ids, time.monotonic(), found)
        return found

    def _inbound_summary(self, now: datetime, start: datetime,
                         settings: Settings | None) -> InboundSummary:
        wall_now = self._wall()
        shift = now.timestamp() - wall_now  # the service clock's shift from Asterisk's
        return summarize(list(self._inbound.calls.values()), now=wall_now,
                         since=start.timestamp() - shift,
                         congestion_after_s=(settings.asterisk.congestion_start_s
                                             if settings else None))

    def _calendar_of(self, settings: Settings | None) -> Calendar | None:
        if settings is None:
            return None
        if self._calendar is None or self._calendar[0] is not settings:
            self._calendar = (settings, config.calendar(settings))
        return self._calendar[1]

    def _campaigns(self, now: datetime, settings: Settings | None, up: bool,
                   due: dict[int, datetime | None]) -> list[CampaignView]:
        """Each open campaign's state; ``due``: when each batch's next target is due
        (``figures.next_due``)."""
        calendar = self._calendar_of(settings)
        views = []
        for batch_id, campaign in sorted(self._runner.campaigns.items()):
            debt_type = campaign.debt_type
            allows = (calendar.may_dial(now, debt_type, suspension=NO_SUSPENSION,
                                        month=campaign.month)
                      if calendar is not None else self._runner.may_dial(campaign))
            next_due = due.get(batch_id, now + NOTHING_LEFT)
            state = campaign_state(asterisk_up=up, calendar_allows=allows,
                                   suspended=self._runner.suspension.stops_calling(debt_type),
                                   due_now=next_due is None or next_due <= now)
            until = None
            if state is CampaignState.NOTHING_DUE:
                until = due.get(batch_id)  # None: every target is done
            elif calendar is not None and state is CampaignState.RUNNING:
                until = calendar.window_end(now)
            elif calendar is not None and state is CampaignState.WINDOW_CLOSED:
                until = calendar.next_window_open(now, debt_type, NEXT_WINDOW_HORIZON_DAYS,
                                                  campaign.month)
            views.append(CampaignView(batch_id, debt_type, state, until))
        return views


def _zone(now: datetime, settings: Settings | None) -> ZoneInfo:
    if settings is not None:
        return settings.tz
    return now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC")


def _results(rows: list[ResultCount], table: Classification) -> list[ResultRow]:
    """Today's outbound results per code, in the classification's order (unknown codes last)."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.direction == OUTBOUND:
            counts[row.code] = counts.get(row.code, 0) + row.count
    known = [ResultRow(c.code, c.label, str(c.mark), counts.pop(c.code))
             for c in table.codes if c.code in counts]
    return known + [ResultRow(code, "", "", n) for code, n in sorted(counts.items())]


# --- the JSON the browser gets ------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _operator(op: Operator, now: datetime) -> dict[str, Any]:
    in_state = max(0, int((now - op.since).total_seconds())) if op.since else None
    return {"login": op.login, "seat": op.seat, "state": str(op.state),
            "pause_reason": op.pause_reason, "notice": op.notice, "since": _iso(op.since),
            "in_state_s": in_state, "skills": sorted(op.skills)}


def _with_rate(figures_row: Any) -> dict[str, Any]:
    return dataclasses.asdict(figures_row) | {"contact_rate": round(figures_row.contact_rate, 4)}


def persons_message(reach: Reach, projection: Projection | None = None) -> dict[str, Any]:
    """対象者接触率 and its parts (the projection when the period is known)."""
    message: dict[str, Any] = {
        "targets": reach.targets, "excluded": reach.excluded, "listed": reach.listed,
        "contacted": reach.contacted, "new_today": reach.new_today,
        "person_contact_rate": round(reach.person_contact_rate, 4),
        "below_target": reach.below_target}
    if projection is not None:
        message["projection"] = {
            "contacted": projection.contacted,
            "person_contact_rate": round(projection.person_contact_rate, 4),
            "below_target": projection.below_target,
            "calling_days_done": projection.calling_days_done,
            "calling_days_left": projection.calling_days_left}
    return message


def order_message(order: Order) -> dict[str, Any]:
    """A suspension order in force, for the boards (scope, the city's words and reference)."""
    return {"id": order.id, "scope": order.scope.value, "debt_type": order.debt_type,
            "reason": order.reason, "city_ref": order.city_ref,
            "recorded_by": order.recorded_by, "recorded_at": order.recorded_at.isoformat()}


def lines_message(lines: Lines | None) -> dict[str, Any] | None:
    """The trunk's lines: in use by direction, the callback reserve, free lines."""
    if lines is None:
        return None
    return {"max_lines": lines.max_lines, "outbound": lines.outbound,
            "callbacks_waiting": lines.callbacks_waiting,
            "callbacks_talking": lines.callbacks_talking, "in_use": lines.in_use,
            "reserve": lines.reserve, "free": lines.free, "outbound_cap": lines.outbound_cap,
            "callback_erlangs": round(lines.callback_erlangs, 3)}


def board_message(board: Board) -> dict[str, Any]:
    """The board as the ``board`` topic's JSON message (no personal data: logins, seats,
    codes, counts)."""
    persons = board.persons_by_debt_type()
    return {
        "type": "board",
        "at": board.at.isoformat(),
        "asterisk_up": board.asterisk_up,
        "dialing": board.dialing,
        "target": board.target,
        "persons": persons_message(board.persons, board.projection),
        "totals": {"calls": board.attempts, "contacts": board.contacts,
                   "contact_rate": round(board.contact_rate, 4)},
        "inbound": dataclasses.asdict(board.inbound),
        "lines": lines_message(board.lines),
        "operators": [_operator(op, board.at) for op in board.operators],
        "debt_types": [_with_rate(row) | {"persons": persons_message(persons.get(
                           row.debt_type, Reach()))} for row in board.by_debt_type],
        "hours": [_with_rate(row) for row in board.hours],
        "campaigns": [{"batch_id": c.batch_id, "debt_type": c.debt_type, "state": str(c.state),
                       "until": _iso(c.until)} for c in board.campaign_states],
        "assignments": [dataclasses.asdict(a) for a in board.assignments],
        "results": [dataclasses.asdict(r) for r in board.results],
        "emergencies": [alert_message(e.call_id, e.flagged_by, e.reason, e.at)
                        for e in board.emergencies],
        "suspensions": [order_message(o) for o in board.suspensions],
        "recordings": [recording_message(r) for r in board.recordings],
        "reports_overdue": (board.reports_overdue.isoformat()
                            if board.reports_overdue is not None else None),
    }


async def publish_board(source: BoardSource, hub: LiveHub, interval_s: float = 1.0) -> None:
    """For the service's lifetime: push the board every ``interval_s`` and right after an
    operator's state changes, computed only while someone subscribes to the board topic."""
    failing = False
    while True:
        source.changed.clear()
        if hub.count(BOARD):
            try:
                hub.publish(BOARD, board_message(await source()))
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed query must not stop the board for good
                if not failing:  # said once, not every second
                    log.exception("board not published; retrying every %.0f s", interval_s)
                failing = True
            else:
                if failing:
                    log.info("board published again")
                failing = False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval_s):
                await source.changed.wait()
            await asyncio.sleep(MIN_GAP_S)
