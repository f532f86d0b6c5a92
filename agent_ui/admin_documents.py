"""Talk scripts, Q&A sets and the 業務マニュアル (SPEC "Talk script and Q&A"): the versions per
kind and scope, one version's text, a new version from a file (a draft), the city's approval
recorded; and the operators' read of what they may use (the newest approved version, never a
draft): the script and Q&A on the console, the manual on a page of its own (read-only, each
reading in the access log)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context, form_fields, path_id
from agent_ui.admin_uploads import UploadRefused, mib, receive
from agent_ui.render import render
from agent_ui.security import MANAGER, MANAGERS, OPERATOR, route, session_of
from dialer.domain import documents as rules
from dialer.domain.debt_types import UnknownDebtType
from dialer.domain.documents import DocumentError, DocumentVersion
from dialer.services.governance import accounts, documents
from dialer.services.governance.documents import NoSuchDocument

MAX_DOCUMENT = 2 * 1024**2
SUFFIXES = (".txt", ".md", ".csv")
EXPECTED = (DocumentError, UnknownDebtType, accounts.NotAllowed)


def _scopes(request: web.Request) -> dict[str, str]:
    debt = keys.backend(request).settings().debt_types
    return {rules.ALL: "全債権共通 (*)"} | {d.code: d.name for d in debt}


async def documents_page(request: web.Request, *, error: str = "", status: int = 200,
                         form: dict[str, str] | None = None) -> web.Response:
    found = await documents.list_versions(keys.backend(request).db())
    groups: dict[tuple[str, str], list[DocumentVersion]] = {}
    for d in found:
        groups.setdefault((d.kind, d.scope), []).append(d)
    return render(request, "admin/documents.html", status=status, error=error,
                  groups=[(kind, scope, sorted(v, key=lambda d: -d.version))
                          for (kind, scope), v in sorted(groups.items())],
                  kinds=rules.KIND_LABELS, scopes=_scopes(request), limit=mib(MAX_DOCUMENT),
                  form=form or {"kind": rules.SCRIPT, "scope": rules.ALL, "title": ""},
                  **context(request))


async def add_document(request: web.Request) -> web.Response:
    back = keys.backend(request)
    form: dict[str, str] = {}
    try:
        async with receive(request, folder=back.settings().paths.data_dir / "uploads",
                           limit=MAX_DOCUMENT, file_field="file",
                           suffixes=SUFFIXES) as received:
            form = {k: received.text(k) for k in ("kind", "scope", "title")}
            if received.path is None or received.size == 0:
                raise UploadRefused(400, "ファイルを選んでください / choose a file")
            data = await asyncio.to_thread(received.path.read_bytes)
        added = await documents.add_from_source(back.db(), back.settings().debt_types,
                                                form["kind"], form["scope"],
                                                form["title"], data, actor(request))
    except UploadRefused as exc:
        return await documents_page(request, error=str(exc), status=exc.status,
                                    form=form or None)
    except EXPECTED as exc:
        return await documents_page(request, error=str(exc), status=400, form=form)
    raise web.HTTPFound(f"/admin/documents/{added.id}")


async def document_page(request: web.Request, *, error: str = "", status: int = 200,
                        form: dict[str, str] | None = None) -> web.Response:
    back = keys.backend(request)
    try:
        found = await documents.get(back.db(), path_id(request))
    except NoSuchDocument:
        raise web.HTTPNotFound(text="no such document") from None
    now = back.clock().astimezone(back.settings().tz)
    return render(request, "admin/document.html", status=status, error=error, doc=found,
                  kinds=rules.KIND_LABELS, scopes=_scopes(request),
                  form=form or {"at": now.strftime("%Y-%m-%dT%H:%M")},
                  max_at=now.strftime("%Y-%m-%dT%H:%M"), **context(request))


async def approve_document(request: web.Request) -> web.Response:
    back = keys.backend(request)
    document_id = path_id(request)
    form = await form_fields(request)
    try:
        at = _local_time(form.get("at", ""), back)
        await documents.approve(back.db(), document_id, form.get("approver", ""), at,
                                form.get("ref", ""), actor(request), now=back.clock())
    except NoSuchDocument:
        raise web.HTTPNotFound(text="no such document") from None
    except EXPECTED as exc:
        return await document_page(request, error=str(exc), status=400, form=form)
    raise web.HTTPFound(f"/admin/documents/{document_id}")


def _local_time(value: str, back: keys.Backend) -> datetime | None:
    """A datetime-local field (``YYYY-MM-DDTHH:MM``) in the centre's zone; None when empty."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DocumentError("承認日時の形が正しくありません / the approval time is not a "
                            "date and time") from None
    tz = back.settings().tz
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


async def for_operator(request: web.Request) -> web.Response:
    """What the operator console shows for a debt type: the approved script and Q&A."""
    back = keys.backend(request)
    debt_type = request.query.get("debt_type", "")
    if debt_type not in {d.code for d in back.settings().debt_types}:
        return web.json_response({"error": "unknown debt_type"}, status=400)
    script = await documents.for_operator(back.db(), rules.SCRIPT, debt_type)
    qa = await documents.for_operator(back.db(), rules.QA, debt_type)
    body: dict[str, Any] = {
        "script": None if script is None else {
            "title": script.title, "version": script.version, "body": script.body},
        "qa": None if qa is None else {
            "title": qa.title, "version": qa.version,
            "entries": [{"question": e.question, "answer": e.answer} for e in qa.entries]},
    }
    return web.json_response(body)


async def manual_page(request: web.Request) -> web.Response:
    """The approved 業務マニュアル of a debt type (``?debt_type=``, else the first configured),
    read-only; the reading is in the access log."""
    back = keys.backend(request)
    names = {d.code: d.name for d in back.settings().debt_types}
    debt_type = request.query.get("debt_type", "") or next(iter(names), "")
    if debt_type not in names:
        raise web.HTTPBadRequest(text="unknown debt_type")
    manual = await documents.read_manual(back.db(), debt_type, session_of(request).login)
    return render(request, "manual.html", manual=manual, debt_type=debt_type, names=names,
                  local=lambda at: at.astimezone(back.settings().tz).strftime("%Y-%m-%d"))


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/documents", documents_page, MANAGERS)
    route(app, "POST", "/admin/documents", add_document, MANAGERS)
    route(app, "GET", "/admin/documents/{id}", document_page, MANAGERS)
    route(app, "POST", "/admin/documents/{id}/approve", approve_document, MANAGERS)
    route(app, "GET", "/api/console/documents", for_operator, (OPERATOR, MANAGER))
    route(app, "GET", "/console/manual", manual_page, (OPERATOR, MANAGER))
