"""`dialer script …`: talk scripts and Q&A sets as versions with the city's approval.

A manager adds a version from a file (a draft), then records the city's approval of it;
operators only ever see the newest approved version. Every version is kept.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path
from typing import Any

from dialer.adapters.db.engine import Database
from dialer.commands import Commands, UsageError
from dialer.commands.intake import Job, add_common, emit
from dialer.config import Settings
from dialer.domain import documents as rules
from dialer.domain.documents import DocumentError, DocumentVersion
from dialer.services.governance import documents
from dialer.services.runtime.clock import parse_at


def register(commands: Commands) -> None:
    sub = commands.add_parser(
        "script", help="talk scripts, Q&A sets and the 業務マニュアル (manual): versions and "
                       "the city's approval").add_subparsers(dest="script_command", required=True)

    add = sub.add_parser("add", help="add a new version (a draft until approved)")
    add.add_argument("file", type=Path,
                     help="script, manual: UTF-8 text/markdown; qa: CSV with columns 質問, 回答")
    add.add_argument("--kind", choices=rules.KINDS, required=True)
    add.add_argument("--scope", required=True,
                     help="a debt type (code or Japanese name), or '*' for all")
    add.add_argument("--title", required=True)
    add_common(add, handler=_user_errors(add_version))

    approve = sub.add_parser("approve", help="record the city's approval of a draft")
    approve.add_argument("id", type=int)
    approve.add_argument("--approver", required=True, help="who at the city approved it")
    approve.add_argument("--ref", required=True, help="the city's reference")
    approve.add_argument("--at", help='when, "YYYY-MM-DD HH:MM" (centre time; default now)')
    add_common(approve, handler=_user_errors(approve_version))

    listing = sub.add_parser("list", help="every version, drafts included")
    listing.add_argument("--kind", choices=rules.KINDS)
    listing.add_argument("--scope", help="a debt type, or '*'")
    add_common(listing, handler=_user_errors(list_versions))

    show = sub.add_parser("show", help="one version with its text or Q&A entries")
    show.add_argument("id", type=int)
    add_common(show, handler=_user_errors(show_version))

    current = sub.add_parser("current", help="what operators on a debt type see")
    current.add_argument("--kind", choices=rules.KINDS, required=True)
    current.add_argument("--debt-type", required=True)
    add_common(current, handler=_user_errors(show_current))

    search = sub.add_parser("search", help="search the approved Q&A operators see")
    search.add_argument("query")
    search.add_argument("--debt-type", required=True)
    add_common(search, handler=_user_errors(search_qa))


def _user_errors(job: Job) -> Job:
    """A document request that cannot be done prints one line and exits 2."""

    @functools.wraps(job)
    async def wrapped(args: argparse.Namespace, settings: Settings, database: Database) -> int:
        try:
            return await job(args, settings, database)
        except DocumentError as exc:
            raise UsageError(str(exc)) from None

    return wrapped


async def add_version(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    data = args.file.read_bytes()
    added = await documents.add_from_source(database, settings.debt_types, args.kind,
                                            args.scope, args.title, data, args.actor)
    size = f"{len(added.entries)} entries" if added.kind == rules.QA else \
        f"{len(added.body)} characters"
    emit(args, _json(added), f"#{added.id}: {_label(added)} added as a draft ({size}); "
         f"record the city's approval with: dialer script approve {added.id} "
         "--approver NAME --ref REF --as LOGIN")
    return 0


async def approve_version(args: argparse.Namespace, settings: Settings,
                          database: Database) -> int:
    try:
        at = parse_at(args.at, settings.tz) if args.at else None
    except ValueError:
        raise UsageError(f'--at: not "YYYY-MM-DD HH:MM": {args.at!r}') from None
    done = await documents.approve(database, args.id, args.approver, at, args.ref, args.actor)
    emit(args, _json(done), f"#{done.id}: {_label(done)} approved by {done.approved_by} "
         f"({done.approval_ref}, {_time(done.approved_at, settings)}); operators see it now")
    return 0


async def list_versions(args: argparse.Namespace, settings: Settings,
                        database: Database) -> int:
    scope = documents.resolve_scope(args.scope, settings.debt_types) if args.scope else None
    found = await documents.list_versions(database, args.kind, scope)
    header = (f"{'id':>4}  {'kind':6} {'scope':12} {'ver':4} {'state':8} {'added':16} "
              f"{'by':10} {'approved':16} {'approver (ref)':20} title")
    emit(args, [_json(d) for d in found], "\n".join(
        [header] + [_row(d, settings) for d in found]) if found else "no documents")
    return 0


async def show_version(args: argparse.Namespace, settings: Settings,
                       database: Database) -> int:
    found = await documents.get(database, args.id)
    emit(args, _json(found, entries=True), _text(found, settings))
    return 0


async def show_current(args: argparse.Namespace, settings: Settings,
                       database: Database) -> int:
    code = documents.resolve_scope(args.debt_type, settings.debt_types)
    found = await documents.for_operator(database, args.kind, code)
    if found is None:
        raise UsageError(f"no approved {rules.KIND_LABELS[args.kind]} for {code}")
    emit(args, _json(found, entries=True), _text(found, settings))
    return 0


async def search_qa(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    code = documents.resolve_scope(args.debt_type, settings.debt_types)
    found = await documents.search_qa(database, code, args.query)
    emit(args, [dataclasses.asdict(e) for e in found], "\n\n".join(
        f"Q. {e.question}\nA. {e.answer}" for e in found) or "no matching question")
    return 0


def _row(d: DocumentVersion, settings: Settings) -> str:
    approval = f"{d.approved_by} ({d.approval_ref})" if d.approved else "-"
    return (f"{d.id:>4}  {d.kind:6} {d.scope:12} v{d.version:<3} {d.state:8} "
            f"{_time(d.created_at, settings):16} {d.created_by:10} "
            f"{_time(d.approved_at, settings):16} {approval:20} {d.title}")


def _label(document: DocumentVersion) -> str:
    return f"{rules.KIND_LABELS[document.kind]} {document.scope} v{document.version}"


def _time(moment: Any, settings: Settings) -> str:
    return f"{moment.astimezone(settings.tz):%Y-%m-%d %H:%M}" if moment else "-"


def _text(document: DocumentVersion, settings: Settings) -> str:
    lines = [f"#{document.id}  {_label(document)}  {document.state}",
             f"title:    {document.title}",
             f"added:    {_time(document.created_at, settings)} by {document.created_by}"]
    if document.approved:
        lines.append(f"approved: {_time(document.approved_at, settings)} by "
                     f"{document.approved_by} (ref {document.approval_ref}), "
                     f"recorded by {document.recorded_by}")
    lines.append("")
    if document.kind in rules.TEXT_KINDS:
        lines.append(document.body.rstrip())
    else:
        for n, entry in enumerate(document.entries, start=1):
            lines += [f"Q{n}. {entry.question}", f"A{n}. {entry.answer}", ""]
    return "\n".join(lines).rstrip()


def _json(document: DocumentVersion, entries: bool = False) -> dict[str, Any]:
    data = dataclasses.asdict(document)
    data["state"] = document.state
    if not entries:
        del data["entries"]
        if document.kind in rules.TEXT_KINDS:
            data["body_chars"] = len(document.body)
        del data["body"]
    return data
