"""`dialer calllist …`: the per-target call list of a batch — view, order, assign, paper export.

Changing the list or exporting it is for managers: name yourself with ``--as LOGIN``.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from dialer.adapters.db.engine import Database
from dialer.commands import Commands
from dialer.commands.intake import add_common, emit
from dialer.config import Settings
from dialer.domain import phone
from dialer.domain.calllist import PhoneOrder, TargetOrder
from dialer.services.intake import calllist
from dialer.services.intake.importer import IntakeError

ORDERS = [o.value for o in TargetOrder]
PHONE_ORDERS = [o.value for o in PhoneOrder]


def register(commands: Commands) -> None:
    group = commands.add_parser("calllist", help="a batch's call list (架電先別リスト)")
    sub = group.add_subparsers(dest="calllist_command", required=True)
    show = sub.add_parser("show", help="the dialable targets in calling order, numbers masked")
    show.add_argument("--batch", type=int, required=True)
    show.add_argument("--order", choices=ORDERS, help="default: the batch's order")
    show.add_argument("--phone-order", choices=PHONE_ORDERS)
    show.add_argument("--operator", help="only this operator's targets")
    show.add_argument("--limit", type=int, default=50, help="0: all")
    add_common(show, handler=show_list)

    order = sub.add_parser("order", help="set the batch's target and phone order")
    order.add_argument("--batch", type=int, required=True)
    order.add_argument("--by", choices=ORDERS, required=True)
    order.add_argument("--phones", choices=PHONE_ORDERS, default=PhoneOrder.FILE.value)
    add_common(order, handler=set_order)

    assign = sub.add_parser("assign", help="assign targets to operators")
    assign.add_argument("--batch", type=int, required=True)
    assign.add_argument("--strategy", choices=calllist.STRATEGIES)
    assign.add_argument("--operators", help="comma-separated logins (default: every operator)")
    assign.add_argument("--reassign", action="store_true", help="redo assigned targets too")
    assign.add_argument("--ref", action="append", help="explicit: this 管理番号 (repeatable)")
    assign.add_argument("--operator", help="explicit: to this operator")
    assign.add_argument("--clear", action="store_true", help="unassign every target")
    add_common(assign, handler=assign_targets)

    export = sub.add_parser("export", help="print-ready paper fallback list (managers, logged)")
    export.add_argument("--batch", type=int, required=True)
    export.add_argument("--format", default="html,csv", help="html, csv or both")
    add_common(export, handler=export_list)


async def show_list(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    batch, entries = await calllist.call_list(
        database, args.batch, order=TargetOrder(args.order) if args.order else None,
        phone_order=PhoneOrder(args.phone_order) if args.phone_order else None)
    if args.operator:
        entries = [e for e in entries if e.operator == args.operator]
    shown = entries[: args.limit] if args.limit else entries
    rows = [{**asdict(e), "phones": [phone.mask(n) for n in e.phones]} for e in shown]
    lines = [f"# batch {batch.id} {batch.debt_type} {batch.month}: {len(entries)} dialable, "
             f"{batch.excluded} excluded; order {args.order or batch.target_order}"]
    lines += [f"{r['position']:>6} {r['ref']:14} {r['name'][:12]:12} "
              f"{' '.join(r['phones']):32} {r['total_amount'] or '':>10} "
              f"{r['earliest_due'] or ''!s:10} {r['attempts']:>3} {r['operator'] or '-'}"
              for r in rows]
    emit(args, rows, "\n".join(lines))
    return 0


async def set_order(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    await calllist.set_order(database, args.batch, TargetOrder(args.by), PhoneOrder(args.phones),
                             args.actor)
    emit(args, {"batch": args.batch, "order": args.by, "phones": args.phones},
         f"batch {args.batch}: targets by {args.by}, numbers {args.phones}")
    return 0


async def assign_targets(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    if args.clear:
        count = await calllist.unassign(database, args.batch, args.actor)
        emit(args, {"unassigned": count}, f"{count} targets unassigned")
        return 0
    if not args.ref and not args.strategy:
        raise IntakeError("give --strategy, or --ref … with --operator, or --clear")
    operators = [o.strip() for o in args.operators.split(",")] if args.operators else None
    counts = await calllist.assign(database, args.batch, args.actor, strategy=args.strategy,
                                   operators=operators, refs=args.ref, operator=args.operator,
                                   reassign=args.reassign)
    emit(args, counts, "\n".join(f"{login}: {n}" for login, n in sorted(counts.items()))
         or "nothing to assign")
    return 0


async def export_list(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    formats = tuple(f.strip() for f in args.format.split(","))
    if not formats or set(formats) - {"html", "csv"}:
        raise IntakeError("--format: html, csv or html,csv")
    written = await calllist.export_paper(database, settings, args.batch, args.actor, formats)
    emit(args, [str(p) for p in written], "\n".join(str(p) for p in written))
    return 0
