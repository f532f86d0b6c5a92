"""The web console's app factory: operators, supervisors and admins (aiohttp, server-rendered)."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

from agent_ui import keys, routes
from agent_ui.keys import BoardSource, HealthSource

HERE = Path(__file__).parent


@web.middleware
async def security_headers(request: web.Request, handler: routes.Handler) -> web.StreamResponse:
    """No page is cached or stored by the browser: operator terminals keep no personal data."""
    response = await handler(request)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"
    )
    return response


async def _no_board() -> None:
    return None


def create_app(health: HealthSource, board: BoardSource = _no_board) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=1024**2)
    app[keys.HEALTH] = health
    app[keys.BOARD] = board
    app[keys.TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True
    )
    routes.add(app)
    app.router.add_static("/static", HERE / "static")
    return app
