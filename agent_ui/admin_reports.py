"""The report files for the city (SPEC "Reports"): what is in the outbox, newest first, a
download of one, and generating a daily or monthly report now (the service also writes the
daily ones every morning). Only files inside the outbox are served (a path leading out of it is
a 404); every download and every generation is in the access log."""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context, form_fields
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer.services.governance import access_log
from dialer.services.reports import city_reports as reports
from dialer.services.reports.city_reports import ReportError

MAX_LISTED = 1000


@dataclass(frozen=True)
class ReportFile:
    name: str  # relative to the outbox, with /
    size: int
    at: datetime


def list_files(outbox: Path) -> list[ReportFile]:
    """Every regular file under ``outbox`` (symbolic links leading out of it left out)."""
    if not outbox.is_dir():
        return []
    root = outbox.resolve()
    found = []
    for path in root.rglob("*"):
        real = path.resolve()
        if not path.is_file() or not real.is_relative_to(root):
            continue
        stat = real.stat()
        found.append(ReportFile(path.relative_to(root).as_posix(), stat.st_size,
                                datetime.fromtimestamp(stat.st_mtime, UTC)))
    found.sort(key=lambda f: (f.at, f.name), reverse=True)
    return found[:MAX_LISTED]


def inside(outbox: Path, name: str) -> Path | None:
    """The file ``name`` names inside ``outbox``, or None (absent, a folder, or outside)."""
    if not name or "\x00" in name or len(name) > 1000:
        return None
    root = outbox.resolve()
    candidate = (root / name).resolve()
    if not candidate.is_relative_to(root) or candidate == root or not candidate.is_file():
        return None
    return candidate


async def reports_page(request: web.Request, *, error: str = "", status: int = 200,
                       done: str = "") -> web.Response:
    back = keys.backend(request)
    outbox = back.settings().paths.outbox_dir
    files = await asyncio.to_thread(list_files, outbox)
    today = back.clock().astimezone(back.settings().tz).date()
    return render(request, "admin/reports.html", status=status, files=files, limit=MAX_LISTED,
                  error=error, done=done or request.query.get("done", "")[:40],
                  yesterday=(today - timedelta(days=1)).isoformat(),
                  month=f"{today:%Y-%m}", **context(request))


async def generate(request: web.Request) -> web.Response:
    """業務日報 etc. for a day, or 業務月報 for a month, now (the same files as the command)."""
    back = keys.backend(request)
    fields = await form_fields(request)
    kind = fields.get("kind", "")
    try:
        if kind == "daily":
            day = date.fromisoformat(fields.get("date", "").strip())
            result = await reports.generate_daily(back.db(), back.settings(), day,
                                                  actor(request))
        elif kind == "monthly":
            result = await reports.generate_monthly(back.db(), back.settings(),
                                                    fields.get("month", ""), actor(request))
        else:
            raise ReportError("daily or monthly")
    except ValueError as exc:  # ReportError included
        return await reports_page(request, status=400,
                                  error=f"作成できません / cannot generate: {exc}")
    raise web.HTTPFound(f"/admin/reports?done={result.subject}")


def _sha256(path: Path) -> tuple[int, str]:
    """The file's size and sha256 (as the access log records which version went out)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def download(request: web.Request) -> web.StreamResponse:
    back = keys.backend(request)
    outbox = back.settings().paths.outbox_dir
    name = request.query.get("name", "")
    path = await asyncio.to_thread(inside, outbox, name)
    if path is None:
        raise web.HTTPNotFound(text="no such report")
    relative = path.relative_to(outbox.resolve()).as_posix()
    size, digest = await asyncio.to_thread(_sha256, path)
    await access_log.record(back.db(), actor(request), "report.download", "outbox",
                            name=relative, bytes=size, sha256=digest)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    fallback = path.name.encode("ascii", "replace").decode().replace('"', "_") \
        .replace("?", "_")
    return web.FileResponse(path, headers={
        "Content-Type": content_type,
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; "
                               f"filename*=UTF-8''{quote(path.name)}",
        "Cache-Control": "no-store",
    })


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/reports", reports_page, MANAGERS)
    route(app, "GET", "/admin/reports/download", download, MANAGERS)
    route(app, "POST", "/admin/reports/generate", generate, MANAGERS)
