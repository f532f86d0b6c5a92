"""The access log (SPEC "Access control and logs"): the newest entries page by page with
filters, the hash chain's verification, and the CSV for the city (the same file as
``dialer audit export``; the export is itself recorded in the log)."""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import IO
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context, form_fields, int_param
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer.services.governance import access_log, audit_export
from dialer.services.governance.audit_export import ExportError

PER_PAGE = 50
FILTERS = ("actor", "action", "object", "from", "to", "target", "batch", "user")
ABOUT = ("target", "batch", "user")  # the city's investigations: rows about one of these


def _id(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise ExportError(f"{what}: 番号（数字）で指定してください / not a number")
    return int(value)


def _about(fields: dict[str, str]) -> access_log.Filter:
    """The target / batch / user filters of a query or form (ExportError when malformed)."""
    return access_log.Filter(target=_id(fields.get("target", "").strip(), "架電先ID"),
                              batch=_id(fields.get("batch", "").strip(), "一括ID"),
                              user=fields.get("user", "").strip()[:64])


def _day(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExportError(f"{what}: YYYY-MM-DD の形で指定してください / "
                          f"not a date (YYYY-MM-DD)") from None


async def audit_page(request: web.Request, *, error: str = "", status: int = 200,
                     export_form: dict[str, str] | None = None) -> web.Response:
    back = keys.backend(request)
    tz = back.settings().tz
    query = {k: request.query.get(k, "").strip()[:64] for k in FILTERS}
    page = int_param(request.query.get("page"), 1, 1, 1_000_000)
    try:
        first, last = _day(query["from"], "開始日"), _day(query["to"], "終了日")
        about = _about(query)
    except ExportError as exc:
        error, status, first, last, about = str(exc), 400, None, None, access_log.Filter()
    flt = replace(
        about, actor=query["actor"], action=query["action"], obj=query["object"],
        start=datetime.combine(first, time(), tz) if first else None,
        end=datetime.combine(last + timedelta(days=1), time(), tz) if last else None)
    found = await access_log.page(back.db(), flt, PER_PAGE, (page - 1) * PER_PAGE)
    today = back.clock().astimezone(tz).date()
    pages = max(1, -(-found.total // PER_PAGE))
    kept = {k: v for k, v in query.items() if v}
    return render(request, "admin/audit.html", status=status, error=error, rows=found.rows,
                  total=found.total, page=page, pages=pages, query=query, verified=found.verified,
                  prev_url=_url(kept, page - 1) if page > 1 else "",
                  next_url=_url(kept, page + 1) if page < pages else "",
                  export=export_form or {"from": today.replace(day=1).isoformat(),
                                         "to": today.isoformat(),
                                         **{k: query[k] for k in ABOUT}},
                  at=lambda r: r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                  **context(request))


def _url(query: dict[str, str], page: int) -> str:
    return "/admin/audit?" + urlencode({**query, "page": page})


async def export(request: web.Request) -> web.StreamResponse:
    back = keys.backend(request)
    tz = back.settings().tz
    form = await form_fields(request)
    try:
        first, last = _day(form.get("from", ""), "開始日"), _day(form.get("to", ""), "終了日")
        if first is None or last is None:
            raise ExportError("期間（開始日と終了日）を指定してください / give both days")
        about = _about(form)
        out = tempfile.TemporaryFile()  # handed to the response, which closes it
        try:
            await audit_export.export(back.db(), first, last, tz, actor(request),
                                      lambda rows: _write(out, rows, tz),
                                      about=about if about.described() else None)
        except BaseException:
            out.close()
            raise
    except ExportError as exc:
        return await audit_page(request, error=str(exc), status=400, export_form=form)
    out.seek(0)
    return web.Response(body=out, headers={
        "Content-Type": f"text/csv; charset={audit_export.ENCODING}",
        "Content-Disposition": f'attachment; filename="{audit_export.file_name(first, last)}"',
        "Cache-Control": "no-store"})


def _write(out: IO[bytes], rows: list[access_log.Row], tz: ZoneInfo) -> None:
    text = io.TextIOWrapper(out, encoding=audit_export.ENCODING, errors=audit_export.ERRORS,
                            newline="")
    audit_export.write_rows(text, rows, tz)
    text.flush()
    text.detach()


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/audit", audit_page, MANAGERS)
    route(app, "POST", "/admin/audit/export", export, MANAGERS)
