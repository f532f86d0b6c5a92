"""Outbound campaigns a manager opens and closes (the command line or the console): kept in the
database, so they survive a restart and every `dialer serve` on one database dials them (the
target claim in the attempt store keeps two dialers off one resident).

Opening and closing go through the database (manager only, in the access log). The running
service holds ``Campaigns``: after the attempts in flight are taken back it opens every stored
open campaign on the ``CampaignRunner`` and polls a cheap stamp every ``interval_s`` for
campaigns opened or closed elsewhere (another process, another service). It closes only the
campaigns it opened itself: one opened in-process (`dialer campaign run`) is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from dialer.adapters.db import audit, batches
from dialer.adapters.db import campaigns as campaigns_db
from dialer.adapters.db.campaigns import CampaignInfo, Opening
from dialer.adapters.db.engine import Conflict, Connection, Database
from dialer.adapters.db.models import utcnow
from dialer.domain.calendar import Calendar
from dialer.domain.pacing import Mode, Policy
from dialer.services.calls.runner import Campaign
from dialer.services.governance import accounts, documents
from dialer.services.runtime.stamped_view import StampedView

log = logging.getLogger(__name__)

POLL_S = 0.5
RING_TIMEOUT_S = (5.0, 120.0)  # the range a manager may choose from
DEFAULT_RING_TIMEOUT_S = 30.0
MAX_ABANDON_CAP = 0.1
PROGRESSIVE_OPENING = Opening(DEFAULT_RING_TIMEOUT_S, Mode.PROGRESSIVE.value, 0.01)

__all__ = ["CampaignError", "CampaignInfo", "Campaigns", "Opening", "close_campaign",
           "listing", "open_campaign"]


class CampaignError(Exception):
    """The campaign cannot be opened or closed; the message says why."""


def check_opening(opening: Opening) -> Opening:
    low, high = RING_TIMEOUT_S
    if not low <= opening.ring_timeout_s <= high:
        raise CampaignError(f"ring timeout must be {low:.0f}–{high:.0f} s, "
                            f"not {opening.ring_timeout_s:g}")
    if opening.mode not in {m.value for m in Mode}:
        raise CampaignError(f"unknown pacing mode {opening.mode[:20]!r}")
    if not 0.0 < opening.abandon_cap <= MAX_ABANDON_CAP:
        raise CampaignError(f"abandon cap must be above 0 and at most {MAX_ABANDON_CAP:.0%}")
    return opening


async def open_campaign(database: Database, calendar: Calendar, today: date, batch_id: int,
                        actor: str | None, opening: Opening = PROGRESSIVE_OPENING
                        ) -> CampaignInfo:
    """Open the batch's campaign (manager only, in the access log). Refused for a batch that
    does not exist (or was erased), one already open, when its own month's calling period
    is not configured or has ended (a May list never dials in June's period), or when its
    debt type lacks an approved talk script, Q&A set or 業務マニュアル (SPEC §10, §11(2))."""
    check_opening(opening)
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        batch = await batches.get(conn, batch_id)
        if batch is None:
            raise CampaignError(f"no batch {batch_id} (never imported, or erased)")
        refusal = period_refusal(calendar, today, batch.debt_type, batch.month)
        if refusal:
            raise CampaignError(f"batch {batch_id}: {refusal}; see `dialer calendar`")
        refusal = await documents.approval_refusal(conn, batch.debt_type)
        if refusal:
            raise CampaignError(f"batch {batch_id}: {refusal}; see `dialer script`")
        try:
            opened = await campaigns_db.open_(conn, batch_id, opening, manager.login, utcnow())
        except Conflict:  # opened by someone else at the same moment
            opened = False
        if not opened:
            raise CampaignError(f"the campaign for batch {batch_id} is open already")
        await audit.record(conn, manager.login, "campaign.open", f"batch:{batch_id}",
                           debt_type=batch.debt_type, ring_timeout_s=opening.ring_timeout_s,
                           mode=opening.mode, abandon_cap=opening.abandon_cap)
        info = await campaigns_db.get(conn, batch_id)
    log.warning("campaign for batch %d opened by %s", batch_id, manager.login)
    assert info is not None
    return info


def period_refusal(calendar: Calendar, today: date, debt_type: str, month: str) -> str:
    """Why a list of ``debt_type`` for ``month`` may not be opened on ``today`` ("" if it may):
    it dials only in its own month's calling period (SPEC §7(2)ア)."""
    period = calendar.period(debt_type, month)
    if period is None:
        return f"no calling period for {debt_type} {month} in [[periods]]"
    if period.calling.last < today:
        return f"the calling period of {debt_type} {month} ({period.calling}) has ended"
    return ""


async def close_campaign(database: Database, batch_id: int, actor: str | None
                         ) -> CampaignInfo:
    """Close the batch's campaign (manager only, in the access log): no new call is placed;
    calls already on the line run to their end."""
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        if not await campaigns_db.close(conn, batch_id, manager.login, utcnow()):
            raise CampaignError(f"the campaign for batch {batch_id} is not open")
        await audit.record(conn, manager.login, "campaign.close", f"batch:{batch_id}")
        info = await campaigns_db.get(conn, batch_id)
    log.warning("campaign for batch %d closed by %s", batch_id, manager.login)
    assert info is not None
    return info


async def listing(database: Database, only_open: bool = False) -> list[CampaignInfo]:
    async with database.connect() as conn:
        return await campaigns_db.listing(conn, only_open)


def as_campaign(info: CampaignInfo) -> Campaign:
    return Campaign(info.batch_id, info.debt_type, info.ring_timeout_s,
                    Policy(mode=Mode(info.mode), abandon_cap=info.abandon_cap), info.month)


class Runner(Protocol):
    """What ``Campaigns`` drives: the campaign runner's open campaigns."""

    campaigns: dict[int, Campaign]

    def open(self, campaign: Campaign) -> None: ...

    def close(self, batch_id: int) -> None: ...


class Campaigns(StampedView[Campaign]):
    """The running service's view of the stored campaigns; applies them to ``runner``.

    ``calendar`` and ``today`` are the service's (the page opens campaigns through here);
    ``listeners`` are called (no arguments) after every change (the board's ``changed.set``).
    """

    what = "campaigns"

    def __init__(self, database: Database, runner: Runner, calendar: Callable[[], Calendar],
                 today: Callable[[], date], listeners: Sequence[Callable[[], object]] = (),
                 interval_s: float = POLL_S) -> None:
        super().__init__(database, interval_s)
        self._runner = runner
        self._calendar, self._today = calendar, today
        self._listeners = list(listeners)
        self.managed: set[int] = set()  # the batches whose campaign this part opened

    async def _read_stamp(self, conn: Connection) -> object:
        return await campaigns_db.stamp(conn)

    async def _read(self, conn: Connection) -> list[Campaign]:
        return [as_campaign(info) for info in await campaigns_db.listing(conn, only_open=True)]

    async def open(self, batch_id: int, actor: str,
                   opening: Opening = PROGRESSIVE_OPENING) -> CampaignInfo:
        info = await open_campaign(self._db, self._calendar(), self._today(), batch_id, actor,
                                   opening)
        await self.refresh()
        return info

    async def close(self, batch_id: int, actor: str) -> CampaignInfo:
        info = await close_campaign(self._db, batch_id, actor)
        await self.refresh()
        return info

    def _apply(self, wanted: list[Campaign]) -> None:
        by_batch = {c.batch_id: c for c in wanted}
        for batch_id in sorted(self.managed - by_batch.keys()):
            self._runner.close(batch_id)
        for batch_id, campaign in by_batch.items():
            if self._runner.campaigns.get(batch_id) != campaign:
                self._runner.open(campaign)
        self.managed = set(by_batch)
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # a board push must never undo an open or a close
                log.exception("campaign listener failed")
