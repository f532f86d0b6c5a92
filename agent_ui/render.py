"""Rendering a page: the template, the session (user, role, CSRF token) and the status."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from agent_ui import keys
from agent_ui.security import SESSION


def render(request: web.Request, template: str, status: int = 200, **context: Any
           ) -> web.Response:
    session = request.get(SESSION)  # None on the login page
    html = request.app[keys.TEMPLATES].get_template(template).render(
        session=session, path=request.path, **context)
    return web.Response(text=html, content_type="text/html", status=status)
