"""対象者接触率 (people on the list reached) and 接触件数率 (contacts per call) of call lists at
the end of a day, with the planned call volume and the projection to the calling period's end —
for the board, the three reports and ``dialer kpi``. Definitions in ``dialer.domain.reach``;
SQL in ``dialer.adapters.db.reach_figures``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dialer import config
from dialer.adapters.db import reach_figures
from dialer.adapters.db import report_queries as queries
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.report_queries import BatchRow
from dialer.config import Settings
from dialer.domain.calendar import Calendar
from dialer.domain.reach import (
    Projection,
    Reach,
    calling_days,
    calls_and_contacts,
    contact_codes,
    planned,
    project,
    reach_of,
    total,
)
from dialer.domain.reports.daily import batch_in_play
from dialer.domain.supervision import day_bounds


class UnknownBatch(LookupError):
    """No batch with this number."""


@dataclass(frozen=True)
class ListReach:
    """One batch (call list) at the end of ``day``; ``projection`` None without a configured
    calling period for its debt type and month."""

    batch_id: int
    debt_type: str
    month: str
    reach: Reach
    projection: Projection | None = None


async def list_reach(conn: Connection, settings: Settings, batches: Sequence[BatchRow],
                     day: date) -> list[ListReach]:
    """Each batch's figures to the end of ``day`` (planned calls: see ``by_list_month``)."""
    start, end = day_bounds(day, settings.tz)
    ids = [b.id for b in batches]
    counts = await reach_figures.reach_counts(conn, ids, contact_codes(settings.classification),
                                              start, end)
    results = await reach_figures.results_to_date(conn, ids, end)
    calendar = config.calendar(settings)
    out = []
    for batch in batches:
        calls, contacts = calls_and_contacts(results[batch.id], settings.classification)
        reach = reach_of(counts[batch.id], calls, contacts)
        out.append(ListReach(batch.id, batch.debt_type, batch.month, reach,
                             _projection(calendar, batch, day, reach)))
    return out


def _projection(calendar: Calendar, batch: BatchRow, day: date, reach: Reach
                ) -> Projection | None:
    period = next((p for p in calendar.settings.periods.get(batch.debt_type, ())
                   if p.month == batch.month), None)
    if period is None:
        return None
    days = [period.calling.first + timedelta(days=n)
            for n in range((period.calling.last - period.calling.first).days + 1)]
    done, left = calling_days(((d, bool(calendar.windows_on(d))) for d in days), day)
    return project(reach, done, left)


def by_list_month(settings: Settings, lists: Iterable[ListReach]) -> dict[tuple[str, str], Reach]:
    """Per (debt type, list month), in the order met: the lists' sums with 想定架電件数."""
    sums: dict[tuple[str, str], Reach] = {}
    for item in lists:
        key = (item.debt_type, item.month)
        sums[key] = sums[key] + item.reach if key in sums else item.reach
    return {key: Reach(r.targets, r.excluded, r.contacted, r.new_today, r.calls, r.contacts,
                       planned(settings.planned_calls, *key)) for key, r in sums.items()}


def by_debt_type(per_month: dict[tuple[str, str], Reach]) -> dict[str, Reach]:
    out: dict[str, Reach] = {}
    for (debt_type, _month), reach in per_month.items():
        out[debt_type] = out[debt_type] + reach if debt_type in out else reach
    return out


async def lists_in_play(conn: Connection, settings: Settings, day: date,
                        also: Collection[int] = ()) -> list[BatchRow]:
    """The batches whose calling or callback period covers ``day``, and those in ``also``."""
    periods = settings.calendar.periods
    return [b for b in await queries.batches(conn)
            if b.id in also or batch_in_play(b.debt_type, b.month, day, periods)]


# --- dialer kpi --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kpi:
    batch: BatchRow
    day: date
    reach: Reach
    projection: Projection | None

    def as_json(self) -> dict[str, Any]:
        r = self.reach
        projected = self.projection
        return {
            "batch": self.batch.id, "debt_type": self.batch.debt_type,
            "month": self.batch.month, "date": self.day.isoformat(),
            "targets": r.targets, "excluded": r.excluded, "persons_contacted": r.contacted,
            "person_contact_rate": round(r.person_contact_rate, 4),
            "persons_contacted_today": r.new_today,
            "calls": r.calls, "contacts": r.contacts,
            "call_contact_rate": round(r.call_contact_rate, 4),
            "planned_calls": r.planned_calls,
            "projected_person_contact_rate": (round(projected.person_contact_rate, 4)
                                              if projected is not None else None),
        }


async def batch_kpi(database: Database, settings: Settings, batch_id: int, day: date) -> Kpi:
    """One batch's figures for its period to the end of ``day``."""
    async with database.connect() as conn:
        batch = next((b for b in await queries.batches(conn) if b.id == batch_id), None)
        if batch is None:
            raise UnknownBatch(f"no batch {batch_id} (see `dialer calllist` for the batches)")
        (found,) = await list_reach(conn, settings, [batch], day)
    reach = by_list_month(settings, [found])[(batch.debt_type, batch.month)]
    return Kpi(batch, day, reach, found.projection)


def overall(lists: Iterable[ListReach]) -> Reach:
    return total(item.reach for item in lists)
