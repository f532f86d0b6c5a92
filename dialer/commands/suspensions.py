"""`dialer suspend`, `dialer release` and `dialer suspensions`: the city's suspension orders.

``suspend`` records one order per ``--scope`` (``outbound``: all outbound calling; a debt type's
code or name: that debt type's calling; ``callbacks``: the callback line answers SUSPENDED;
``data``: imports and exports refused). A running service applies it within a second (it polls
the database) and keeps it, across restarts, until ``release ID`` is recorded. Both need a
manager (``--as LOGIN``) and are in the access log.
"""

from __future__ import annotations

import argparse

from dialer.adapters.db.engine import Database
from dialer.commands import Commands, UsageError
from dialer.commands.intake import add_common, emit
from dialer.config import Settings
from dialer.domain import debt_types, suspension
from dialer.domain.suspension import Order, OrderError, Request, Scope
from dialer.services.governance import suspensions

NAMED_SCOPES = {"outbound": Scope.OUTBOUND, "callbacks": Scope.CALLBACKS, "data": Scope.DATA}


def register(commands: Commands) -> None:
    sus = commands.add_parser("suspend", help="record the city's suspension order (halts now)")
    sus.add_argument("--scope", action="append", required=True, metavar="SCOPE",
                     help="outbound | callbacks | data | a debt type (code or name); "
                          "repeat for an order naming several operations")
    sus.add_argument("--reason", required=True, help="what the city ordered, and why")
    sus.add_argument("--city-ref", required=True, help="the city's document or instruction")
    add_common(sus, handler=suspend)
    rel = commands.add_parser("release", help="record the release of a suspension order")
    rel.add_argument("order", type=int, metavar="ID")
    rel.add_argument("--ref", help="the city's reference for the release")
    add_common(rel, handler=release)
    show = commands.add_parser("suspensions", help="the suspension orders in force")
    show.add_argument("--all", action="store_true", help="released ones too (newest first)")
    add_common(show, handler=list_orders)


def _request(scope: str, args: argparse.Namespace, settings: Settings) -> Request:
    named = NAMED_SCOPES.get(scope.strip().lower())
    if named is not None:
        return Request(named, None, args.reason, args.city_ref)
    debt = debt_types.resolve(scope, settings.debt_types)
    return Request(Scope.DEBT_TYPE, debt.code, args.reason, args.city_ref)


def _json(order: Order) -> dict[str, object]:
    return {**vars(order), "scope": order.scope.value, "active": order.active}


def _line(order: Order, settings: Settings) -> str:
    names = {d.code: d.name for d in settings.debt_types}
    state = ("in force" if order.active else
             f"released {order.released_at.astimezone(settings.tz):%Y-%m-%d %H:%M} "
             f"by {order.released_by}" if order.released_at else "released")
    return (f"{order.id:>4}  {suspension.label(order, names)}  "
            f"{order.recorded_at.astimezone(settings.tz):%Y-%m-%d %H:%M} {order.recorded_by}  "
            f"ref {order.city_ref}  [{state}]  {order.reason}")


async def suspend(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    requests = [_request(s, args, settings) for s in args.scope]
    try:
        recorded = await suspensions.record(database, requests, args.actor,
                                            [d.code for d in settings.debt_types])
    except OrderError as exc:
        raise UsageError(str(exc)) from None
    emit(args, [_json(o) for o in recorded], "\n".join(
        ["recorded (halted now; a running service applies it within a second):"]
        + [_line(o, settings) for o in recorded]))
    return 0


async def release(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    try:
        order = await suspensions.release(database, args.order, args.actor, args.ref)
    except OrderError as exc:
        raise UsageError(str(exc)) from None
    emit(args, _json(order), "released: " + _line(order, settings))
    return 0


async def list_orders(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    found = (await suspensions.history(database, 1000) if args.all
             else await suspensions.active(database))
    emit(args, [_json(o) for o in found], "\n".join(_line(o, settings) for o in found)
         or ("no suspension orders" if args.all else "no suspension order in force"))
    return 0
