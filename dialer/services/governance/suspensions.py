"""Suspension orders (SPEC "Suspension order", §14(11)ウ): a manager records the city's order
and the operations it names halt at once; they stay halted, across restarts, until a manager
records the release. The rules are in ``dialer.domain.suspension``.

Recording and releasing go through the database (manager only, in the access log), so the
command line (a separate process) and the console act the same way. The running service holds
``Suspensions``: it loads the orders at start, before anything dials or answers, sets
``CampaignRunner.suspension`` (checked on every tick and right before every Originate; the
callback gate reads it for every call) and polls a cheap stamp every ``interval_s`` for orders
recorded elsewhere. An order entered in the console applies before the form's answer.

Imports and exports ask ``ensure_data_allowed`` first (intake, paper lists, access-log CSV,
report files).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from dialer.adapters.db import audit
from dialer.adapters.db import suspensions as orders_db
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.models import utcnow
from dialer.domain import suspension
from dialer.domain.calendar import Suspension
from dialer.domain.suspension import Order, OrderError, Request
from dialer.services.governance import accounts
from dialer.services.runtime.stamped_view import StampedView

log = logging.getLogger(__name__)

POLL_S = 0.5
__all__ = ["DataSuspended", "OrderError", "Suspensions", "ensure_data_allowed"]


class DataSuspended(Exception):
    """Imports and exports are halted by an order in force; the message names it."""

    def __init__(self, order: Order) -> None:
        super().__init__(
            f"市の指示によりデータの取込・出力は停止中です / imports and exports are halted by "
            f"the city's order (suspension {order.id}, ref {order.city_ref}) until a manager "
            f"records its release")
        self.order = order


async def record(database: Database, requests: Sequence[Request], actor: str | None,
                 known_debt_types: Iterable[str], now: datetime | None = None) -> list[Order]:
    """Record one order per request (one transaction, manager only, in the access log)."""
    known = list(known_debt_types)
    checked = [suspension.check(r, known) for r in requests]
    if not checked:
        raise OrderError("name at least one scope")
    at = now or utcnow()
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        ids = []
        for request in checked:
            order_id = await orders_db.add(conn, request, manager.login, at)
            await audit.record(conn, manager.login, "suspension.order", f"suspension:{order_id}",
                               scope=request.scope.value, debt_type=request.debt_type,
                               city_ref=request.city_ref)
            ids.append(order_id)
        found = [await orders_db.get(conn, i) for i in ids]
    log.warning("suspension order(s) %s recorded by %s", ", ".join(map(str, ids)),
                manager.login)
    return [o for o in found if o is not None]


async def release(database: Database, order_id: int, actor: str | None,
                  ref: str | None = None, now: datetime | None = None) -> Order:
    """Record the release of an order in force (manager only, in the access log)."""
    ref = " ".join((ref or "").split())[:suspension.MAX_REF] or None
    async with database.transaction() as conn:
        manager = await accounts.require(conn, actor)
        order = await orders_db.get(conn, order_id)
        if order is None:
            raise OrderError(f"no suspension order {order_id}")
        suspension.release(order)
        if not await orders_db.release(conn, order_id, manager.login, now or utcnow(), ref):
            raise OrderError(f"order {order_id} was released already")
        await audit.record(conn, manager.login, "suspension.release", f"suspension:{order_id}",
                           scope=order.scope.value, debt_type=order.debt_type, release_ref=ref)
        released = await orders_db.get(conn, order_id)
    log.warning("suspension order %d released by %s", order_id, manager.login)
    assert released is not None
    return released


async def active(database: Database) -> list[Order]:
    async with database.connect() as conn:
        return await orders_db.active(conn)


async def history(database: Database, limit: int = 100) -> list[Order]:
    async with database.connect() as conn:
        return await orders_db.history(conn, limit)


async def check_data(conn: Connection) -> None:
    """DataSuspended while an order halts imports and exports (within ``conn``)."""
    halting = [o for o in await orders_db.active(conn) if suspension.data_halted([o])]
    if halting:
        raise DataSuspended(halting[0])


async def ensure_data_allowed(database: Database) -> None:
    """Call before any import or export of data (CLI or console): DataSuspended while the
    city's order halts them."""
    async with database.connect() as conn:
        await check_data(conn)


class Runner(Protocol):
    """What ``Suspensions`` drives: the campaign runner's ``suspension`` attribute."""

    suspension: Suspension


class Suspensions(StampedView[Order]):
    """The running service's view of the orders; applies them to ``runner`` at once.

    ``listeners`` are called (no arguments) after every change: the board's ``changed.set``
    and the operator console's ``suspension_changed``.
    """

    what = "suspension orders"

    def __init__(self, database: Database, runner: Runner,
                 listeners: Sequence[Callable[[], object]] = (),
                 interval_s: float = POLL_S) -> None:
        super().__init__(database, interval_s)
        self._runner = runner
        self._listeners = list(listeners)
        self.orders: list[Order] = []

    @property
    def data_halted(self) -> bool:
        return suspension.data_halted(self.orders)

    async def _read_stamp(self, conn: Connection) -> object:
        return await orders_db.stamp(conn)

    async def _read(self, conn: Connection) -> list[Order]:
        return await orders_db.active(conn)

    async def record(self, requests: Sequence[Request], actor: str,
                     known_debt_types: Iterable[str]) -> list[Order]:
        recorded = await record(self._db, requests, actor, known_debt_types)
        await self.refresh()
        return recorded

    async def release(self, order_id: int, actor: str, ref: str | None = None) -> Order:
        released = await release(self._db, order_id, actor, ref)
        await self.refresh()
        return released

    def _apply(self, found: list[Order]) -> None:
        before = self._runner.suspension
        self.orders = found
        self._runner.suspension = suspension.effective(found)
        if self._runner.suspension != before:
            log.warning("suspension in force: %s", self._runner.suspension)
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # a board or console push must never undo a halt
                log.exception("suspension listener failed")
