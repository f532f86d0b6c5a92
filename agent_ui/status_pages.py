"""The service's status page (managers, admins) and the health probe (public, for the
monitoring system: up or not, and which part is down — no version, no name, no number)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from agent_ui import keys
from agent_ui.render import render
from agent_ui.security import MANAGERS, Access, route

REFRESH_S = 30  # the page reloads itself: it is left open on a wall screen
STATE_LABELS = {"offline": "未接続", "ready": "受付中", "reserved": "発信中", "on_call": "通話中",
                "wrap_up": "後処理", "paused": "離席中"}  # as on the console and the board


async def status_page(request: web.Request) -> web.Response:
    back = keys.backend(request)
    return render(request, "status.html", health=await back.health(), board=await back.board(),
                  refresh_s=REFRESH_S, state_labels=STATE_LABELS)


async def health_api(request: web.Request) -> web.Response:
    health = await keys.backend(request).health()
    body = {"ok": health.ok, "ami_connected": health.ami_connected,
            "database_ok": health.database_ok}
    return web.json_response(body, status=200 if health.ok else 503)


FAVICON = Path(__file__).parent / "static" / "favicon.svg"


async def favicon(_request: web.Request) -> web.FileResponse:
    """Browsers ask for /favicon.ico whatever the page links: the centre's icon, not a 404."""
    return web.FileResponse(FAVICON, headers={"Content-Type": "image/svg+xml",
                                              "Cache-Control": "max-age=86400"})


def add(app: web.Application) -> None:
    route(app, "GET", "/status", status_page, MANAGERS)
    route(app, "GET", "/api/health", health_api, Access.PUBLIC)
    route(app, "GET", "/favicon.ico", favicon, Access.PUBLIC)
