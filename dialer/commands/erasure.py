"""`dialer erase --batch ID | --all [--certificate OUT] [--yes] --as LOGIN`: delete residents'
personal data irrecoverably and issue the erasure certificate (抹消証明書, §14(10)).

On a terminal it shows what will go and asks for the word ``erase``; ``--yes`` skips the
question (scripts), and without a terminal ``--yes`` is required. The certificate is written to
``--certificate`` (default ``DATA_DIR/certificates/<number>.txt``); it holds no personal data.
Exit 0 when the final scan found none of the erased values, 1 when it found some (the
certificate says where, by kind only), 2 when nothing was done. Stop the service first
(``dialer serve``): while it holds the database open its write-ahead log cannot be emptied.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from dialer.adapters.db.engine import Database
from dialer.commands import Commands, UsageError
from dialer.commands.intake import add_common, emit
from dialer.config import Settings
from dialer.services.governance import accounts, erasure
from dialer.services.governance.erasure import ErasureError, Plan

CONFIRM_WORD = "erase"


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "erase", help="erase residents' personal data and issue the erasure certificate")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--batch", type=int, metavar="ID", help="one batch")
    which.add_argument("--all", action="store_true",
                       help="every batch, call record, recording and report file")
    parser.add_argument("--certificate", type=Path, metavar="OUT",
                        help="where to write the certificate "
                             "(default DATA_DIR/certificates/NUMBER.txt)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_common(parser, handler=erase)


def _describe(plan: Plan, settings: Settings) -> str:
    names = {d.code: d.name for d in settings.debt_types}
    what = "ALL personal data" if plan.everything else f"batch {plan.batches[0].id}"
    lines = [f"This erases {what} irrecoverably:"]
    lines += [f"  {names.get(c.debt_type, c.debt_type)}: {c.batches} batches, "
              f"{c.targets} targets, {c.phones} numbers, {c.calls} calls, {c.notes} notes"
              for c in plan.counts] or ["  (no batches)"]
    if plan.everything:
        lines.append("  and every recording, report file in the outbox, paper list, upload, "
                     "intake error report and demo file; inbound call records, emergencies")
    else:
        lines.append("  and its recordings and the files made from it")
    return "\n".join(lines)


def _confirmed(plan: Plan, settings: Settings) -> bool:
    print(_describe(plan, settings), file=sys.stderr)
    print(f'Type "{CONFIRM_WORD}" to go ahead: ', end="", file=sys.stderr, flush=True)
    try:
        return input().strip() == CONFIRM_WORD
    except EOFError:
        return False


def _write(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


async def erase(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    batch = None if args.all else args.batch
    async with database.connect() as conn:
        await accounts.require(conn, args.actor)  # before the question, not after it
    try:
        plan = await erasure.plan(database, batch)
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError("not confirmed: run it on a terminal, or pass --yes")
            if not _confirmed(plan, settings):
                print("dialer: nothing erased", file=sys.stderr)
                return 2
        cert, text = await erasure.erase(database, settings, batch, args.actor)
    except ErasureError as exc:
        raise UsageError(str(exc)) from None
    out: Path = args.certificate or settings.paths.data_dir / "certificates" / f"{cert.number}.txt"
    _write(out, text)
    data = {**dataclasses.asdict(cert), "ok": cert.ok, "certificate": str(out)}
    verdict = ("verified: none of the erased values found" if cert.ok else
               f"FOUND erased values in {len(cert.scan.findings)} places (see the certificate)")
    emit(args, data, f"erasure {cert.number}: {verdict}\ncertificate: {out}")
    return 0 if cert.ok else 1
