"""`dialer audit verify / head / export / show / rekey`: the access log, a keyed hash chain the
city can check.

``verify`` walks the whole chain and exits 1 at the first row that does not fit; with
``--anchor FILE`` (repeatable; a folder: every ``access-log-head_*.txt`` under it) it also checks
the log against heads taken earlier (``audit_anchor``) and exits 1 when one no longer fits.
``head`` prints the head as an anchor file (``--out FILE`` writes one, mode 0600, recorded).
``rekey`` re-chains a log written before the chain was keyed, once (``audit_rekey``). ``export``
writes the rows of a date range (inclusive, in the centre's time zone) as a CSV for the city:
CP932, CRLF, bilingual header. Exporting is itself recorded in the log. For the city's
investigations ``export`` and ``show`` take ``--target ID``, ``--batch ID`` and ``--user LOGIN``:
only the rows about that target, batch or account (see ``audit_query.Filter``).
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date, datetime
from pathlib import Path

from dialer.adapters.db import audit, audit_query, audit_rekey
from dialer.adapters.db.engine import Database
from dialer.commands import Commands, UsageError
from dialer.commands.intake import actor, add_common, emit
from dialer.config import Settings
from dialer.services.governance import audit_anchor, audit_export

HEADER = audit_export.HEADER
ENCODING = audit_export.ENCODING


def register(commands: Commands) -> None:
    sub = commands.add_parser("audit", help="the access log (append-only hash chain)") \
        .add_subparsers(dest="audit_command", required=True)
    ver = sub.add_parser("verify", help="check the whole chain (exit 1 if broken)")
    ver.add_argument("--anchor", type=Path, action="append", default=[], metavar="FILE",
                     help="an anchor file (access-log-head_*.txt) or a folder of them: the log "
                          "must still hold each anchored row with its hash (repeatable)")
    add_common(ver, handler=verify)
    head = sub.add_parser("head", help="the chain's head, as an anchor file to keep apart")
    head.add_argument("--out", type=Path, metavar="FILE",
                      help="write it to FILE (mode 0600) and record that in the log")
    add_common(head, handler=show_head)
    add_common(sub.add_parser("rekey", help="re-chain a log written before the chain was "
                                            "keyed under a new key (once)"), handler=rekey)
    exp = sub.add_parser("export", help="CSV of a date range for the city (CP932, CRLF)")
    exp.add_argument("--from", dest="first", required=True, type=date.fromisoformat,
                     metavar="DATE", help="first day, YYYY-MM-DD (centre's time zone)")
    exp.add_argument("--to", dest="last", required=True, type=date.fromisoformat,
                     metavar="DATE", help="last day, YYYY-MM-DD (inclusive)")
    exp.add_argument("--out", type=Path, metavar="FILE",
                     help="default: access-log_FROM_TO.csv in the current directory")
    _about_arguments(exp)
    add_common(exp, handler=export)
    show = sub.add_parser("show", help="the newest entries")
    show.add_argument("--limit", type=_positive, default=20, metavar="N")
    _about_arguments(show)
    add_common(show, handler=show_entries)


def _about_arguments(parser: argparse.ArgumentParser) -> None:
    """The city's investigation filters (see ``audit_query.Filter``): combined with AND."""
    parser.add_argument("--target", type=_positive, metavar="ID",
                        help="only rows about this target (its record, its calls)")
    parser.add_argument("--batch", type=_positive, metavar="ID",
                        help="only rows about this batch (its targets and calls too)")
    parser.add_argument("--user", metavar="LOGIN",
                        help="only rows by or about this account")


def _about(args: argparse.Namespace) -> audit_query.Filter | None:
    if args.target is None and args.batch is None and not args.user:
        return None
    return audit_query.Filter(target=args.target, batch=args.batch, user=args.user or "")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


async def verify(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    try:
        checks = await audit_anchor.check(database, args.anchor) if args.anchor else []
    except audit_anchor.AnchorError as exc:
        raise UsageError(str(exc)) from None
    if args.anchor and not checks:
        raise UsageError("--anchor: no access-log-head_*.txt file there")
    async with database.connect() as conn:
        result = await audit.verify(conn)
    head = f"; head: row {result.last_id} {result.last_hash}" if result.last_id else ""
    lines = [f"{result.checked} rows checked: OK{head}" if result.ok else
             f"BROKEN at row {result.broken_id} ({result.checked} rows checked): {result.reason}"]
    lines += [f"anchor {c.path}: " + (f"OK (row {c.head.id})" if c.ok else
                                      f"FAILED: {c.problem}") for c in checks]
    anchors = [{"file": str(c.path), "row": c.head.id, "ok": c.ok, "problem": c.problem}
               for c in checks]
    emit(args, {**dataclasses.asdict(result), "ok": result.ok, "anchors": anchors},
         "\n".join(lines))
    return 0 if result.ok and all(c.ok for c in checks) else 1


async def show_head(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    taken = datetime.now(settings.tz)
    if args.out is None:
        found = await audit_anchor.current(database)
    else:
        found = await audit_anchor.take_now(database, args.out, actor(args), taken)
    if found is None:
        raise UsageError("the access log is empty: no head to anchor yet")
    where = f"{args.out}: " if args.out else ""
    emit(args, {"row": found.id, "hash": found.hash, "at": found.at.isoformat(),
                "rows": found.rows, **({"file": str(args.out)} if args.out else {})},
         where + (f"row {found.id} {found.hash}" if args.out else
                  audit_anchor.text(found, taken).rstrip()))
    return 0


async def rekey(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    try:
        done = await audit_rekey.rekey(database, actor(args))
    except audit.AuditKeyError as exc:
        raise UsageError(str(exc)) from None
    emit(args, {"rows": done.rows, "unkeyed_head": done.unkeyed_head, "row": done.head.id,
                "hash": done.head.hash, "key_file": str(database.audit_key.path)},
         f"{done.rows} rows re-chained under the new key {database.audit_key.path} (keep a "
         f"copy apart); head: row {done.head.id} {done.head.hash}")
    return 0


async def export(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    first: date = args.first
    last: date = args.last
    if last < first:
        raise UsageError("--to must be on or after --from")
    out: Path = args.out or Path(audit_export.file_name(first, last))
    try:
        rows = await audit_export.export(
            database, first, last, settings.tz, actor(args),
            lambda found: audit_export.write_csv(out, found, settings.tz), require=args.actor,
            about=_about(args))
    except audit_export.ExportError as exc:
        raise UsageError(str(exc)) from None
    emit(args, {"file": str(out), "rows": rows}, f"{out}: {rows} rows")
    return 0


async def show_entries(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    about = _about(args)
    async with database.connect() as conn:
        if about is None:
            rows = await audit.recent(conn, args.limit)
        else:
            rows, _total = await audit_query.page(conn, about, args.limit, 0)
    emit(args, [{**dataclasses.asdict(r), "at": r.at.isoformat()} for r in rows], "\n".join(
        f"{r.id:>7} {r.at.astimezone(settings.tz):%Y-%m-%d %H:%M:%S} {r.actor:16} "
        f"{r.action:22} {r.obj:16} {r.detail} {r.hash[:12] or '-'}" for r in rows)
        or "no entries")
    return 0
