"""The web console's app factory: operators, supervisors and admins (aiohttp, server-rendered
pages with small plain scripts; no front-end build step)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import jinja2
from aiohttp import web

from agent_ui import (
    admin_pages,
    auth_pages,
    board_pages,
    console_pages,
    keys,
    proxy,
    recordings_pages,
    security,
    status_pages,
)
from agent_ui.keys import Backend
from agent_ui.sessions import SessionStore
from dialer.domain import phone
from dialer.services.governance.suspensions import DataSuspended
from dialer.services.runtime import database

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_BODY = 1024**2  # uploads (imports, messages) have their own, larger limit on their route
# What a user sees when the database cannot take a request now (locked by another writer past
# [database] busy_timeout_ms, disk full): nothing was written; the console sends results again.
DATABASE_UNAVAILABLE = ("データベースが一時的に使えません（{reason}）。この操作は記録されていま"
                        "せん。 / The database is temporarily unavailable ({reason_en}); "
                        "nothing was recorded.")
DATABASE_REASONS = {database.LOCKED: ("混み合っています", "busy"),
                    database.FULL: ("ディスクの空きがありません", "disk full"),
                    database.IO: ("読み書きできません", "read/write error")}
RETRY_AFTER_S = 2


@web.middleware
async def security_headers(request: web.Request, handler: security.Handler
                           ) -> web.StreamResponse:
    """No page or API answer is cached or stored by the browser: terminals keep no personal
    data (SPEC "Where personal data lives")."""
    try:
        response = await handler(request)
    except DataSuspended as exc:  # the city's order halts imports and exports
        response = web.json_response({"error": str(exc)}, status=409)
    except web.HTTPException as exc:
        response = exc
        _harden(response)
        raise
    except Exception as exc:
        kind = database.transient(exc)
        if kind is None:  # a bug: aiohttp's plain 500 (logged by aiohttp, no trace sent)
            raise
        response = _database_unavailable(request, exc, kind)
    _harden(response)
    return response


def _database_unavailable(request: web.Request, exc: Exception, kind: str) -> web.Response:
    """A passing database fault (locked, disk full): a 503 the page can send again, in words,
    without internals. The log names the fault, never the statement or its values."""
    resource = request.match_info.route.resource
    where = resource.canonical if resource is not None else "?"  # the route, never its values
    log.error("database unavailable (%s, %s) on %s %s: answered 503", kind, database.name(exc),
              request.method, where)
    reason, reason_en = DATABASE_REASONS[kind]
    message = DATABASE_UNAVAILABLE.format(reason=reason, reason_en=reason_en)
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if security.wants_html(request):
        return web.Response(text=message, status=503, headers=headers)
    return web.json_response({"error": message, "code": "database_unavailable",
                              "retry": True}, status=503, headers=headers)


def _harden(response: web.StreamResponse) -> None:
    if response.prepared:  # websockets and streamed downloads set theirs before sending
        return
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # same-origin: other sites never see our URLs; our own forms keep their Origin header
    # (with no-referrer, Chromium sends "Origin: null" and the same-origin check refuses)
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )


def create_app(backend: Backend) -> web.Application:
    settings = backend.settings()
    app = web.Application(middlewares=[proxy.behind_proxy, security_headers, security.guard],
                          client_max_size=MAX_BODY)
    app[keys.BACKEND] = backend
    app[keys.ACCESS] = {}
    app[keys.SESSIONS] = SessionStore(timedelta(seconds=settings.web.idle_lock_s),
                                          timedelta(hours=settings.web.session_max_h),
                                          backend.clock)
    app[keys.SECURE] = security.secure_cookies(settings.web.secure_cookies,
                                               settings.web.host, settings.web.public_origin)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True)
    env.globals["centre"] = settings.centre
    env.filters["phone"] = phone.display
    env.globals["idle_lock_s"] = settings.web.idle_lock_s
    app[keys.TEMPLATES] = env
    for pages in (auth_pages, status_pages, console_pages, board_pages, admin_pages,
                  recordings_pages):
        pages.add(app)
    app.router.add_static("/static", HERE / "static")
    return app
