"""Loaned-data intake from the console (SPEC "Data"): upload a CSV or .xlsx for one debt type
and month, see what was imported and the row-level error report (values masked by the
service), and the batches imported so far. The uploaded file is deleted afterwards whatever
happens; a refused file changes nothing."""

from __future__ import annotations

import asyncio
import csv
import re
from pathlib import Path
from typing import Any

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context
from agent_ui.admin_uploads import Upload, UploadRefused, mib, receive
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer.domain.debt_types import UnknownDebtType
from dialer.services.intake import batches
from dialer.services.intake import importer as intake
from dialer.services.intake.importer import ImportRequest, IntakeError, IntakeRefused

MAX_IMPORT = 50 * 1024**2
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
ENCODINGS = {"": "自動判定", "cp932": "CP932 (Shift_JIS)", "utf-8": "UTF-8",
             "utf-8-sig": "UTF-8 (BOM付き)"}
SHOWN_ERRORS = 200  # rows of the error report shown on the page
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


async def import_page(request: web.Request, *, error: str = "", status: int = 200,
                      form: dict[str, str] | None = None) -> web.Response:
    back = keys.backend(request)
    settings = back.settings()
    month = back.clock().astimezone(settings.tz).strftime("%Y-%m")
    found = await batches.list_batches(back.db())
    return render(request, "admin/import.html", status=status, error=error,
                  batches=sorted(found, key=lambda b: b.id, reverse=True),
                  debt_types=settings.debt_types,
                  debt_names={d.code: d.name for d in settings.debt_types},
                  encodings=ENCODINGS, limit=mib(MAX_IMPORT),
                  form=form or {"month": month, "debt_type": "", "encoding": ""},
                  **context(request))


async def upload(request: web.Request) -> web.Response:
    back = keys.backend(request)
    settings = back.settings()
    folder = settings.paths.data_dir / "uploads"
    form: dict[str, str] = {}
    try:
        async with receive(request, folder=folder, limit=MAX_IMPORT, file_field="file",
                           suffixes=SUFFIXES) as received:
            form = {k: received.text(k) for k in ("debt_type", "month", "encoding", "strict",
                                                   "force")}
            wanted = _request(received, form, actor(request))
            result = await intake.import_file(back.db(), settings, wanted)
    except UploadRefused as exc:
        return await import_page(request, error=str(exc), status=exc.status, form=form or None)
    except IntakeRefused as exc:
        errors = await _errors(exc.errors_file)
        return render(request, "admin/import_result.html", status=400, refused=exc.reason,
                      result=None, rejected=exc.rejected, errors=errors, form=form,
                      shown=SHOWN_ERRORS, debt_names=_names(request), **context(request))
    except (IntakeError, UnknownDebtType) as exc:
        return await import_page(request, error=str(exc), status=400, form=form)
    return render(request, "admin/import_result.html", refused=None, result=result,
                  rejected=result.rejected, errors=await _errors(result.errors_file),
                  form=form, shown=SHOWN_ERRORS, debt_names=_names(request),
                  **context(request))


def _request(received: Upload, form: dict[str, str], login: str) -> ImportRequest:
    """What the form asks for, or an ``IntakeError`` naming what is wrong."""
    if received.path is None or received.size == 0:
        raise IntakeError("ファイルを選んでください / choose a file (it must not be empty)")
    if not form["debt_type"]:
        raise IntakeError("債権の種類を選んでください / choose the debt type")
    if not _MONTH.fullmatch(form["month"]):
        raise IntakeError("対象月は YYYY-MM の形で指定してください / the month must be YYYY-MM")
    if form["encoding"] not in ENCODINGS:
        raise IntakeError("unknown encoding")
    return ImportRequest(received.path, form["debt_type"], form["month"],
                         strict=bool(form["strict"]), force=bool(form["force"]),
                         encoding=form["encoding"] or None, actor=login)


def _names(request: web.Request) -> dict[str, str]:
    return {d.code: d.name for d in keys.backend(request).settings().debt_types}


async def _errors(path: Path | None) -> dict[str, Any]:
    """The first rows of the error report (row, column, masked value, reason) and the count."""
    if path is None:
        return {"rows": [], "total": 0}
    rows, total = await asyncio.to_thread(_read_report, path)
    return {"rows": rows, "total": total}


def _read_report(path: Path) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    total = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            next(reader, None)  # the header
            for row in reader:
                total += 1
                if len(rows) < SHOWN_ERRORS:
                    rows.append(row)
    except OSError:
        return [], 0
    return rows, total


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/import", import_page, MANAGERS)
    route(app, "POST", "/admin/import", upload, MANAGERS)
