"""Routes of the console. Every handler is small: it asks a service and renders."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web

from agent_ui import keys

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def status_page(request: web.Request) -> web.Response:
    health = await request.app[keys.HEALTH]()
    board = await request.app[keys.BOARD]()
    html = request.app[keys.TEMPLATES].get_template("status.html").render(health=health,
                                                                          board=board)
    return web.Response(text=html, content_type="text/html")


async def health_api(request: web.Request) -> web.Response:
    health = await request.app[keys.HEALTH]()
    body = dataclasses.asdict(health) | {"ok": health.ok}
    return web.json_response(body, status=200 if health.ok else 503)


def add(app: web.Application) -> None:
    app.router.add_get("/", status_page)
    app.router.add_get("/api/health", health_api)
