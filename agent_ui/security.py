"""Sessions, roles, CSRF and Origin checks: one middleware every request goes through.

Every route is declared with who may use it (``route``); a route declared nowhere is refused.
Sessions (``agent_ui.sessions``) live in the service's memory and are identified by a
random token in an HttpOnly, SameSite=Strict cookie (Secure unless the console listens on
loopback only). Every state-changing request must carry the session's CSRF token (form field
``csrf`` or header ``X-CSRF-Token``) and, when the browser sends one, a same-origin ``Origin``.
A session idle longer than ``idle_lock_s`` is locked: only unlock and logout work until the
password is entered again.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import Enum

from aiohttp import web

from agent_ui.keys import ACCESS, BACKEND, SECURE, SESSIONS
from agent_ui.request_body import form_body
from agent_ui.sessions import Session
from dialer.services.governance import accounts

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COOKIE = "sid"
OPERATOR, MANAGER, ADMIN = "operator", "manager", "admin"
ANYONE_LOGGED_IN = (OPERATOR, MANAGER, ADMIN)
MANAGERS = (MANAGER, ADMIN)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RECHECK = timedelta(seconds=5)  # how stale a session's view of its account may get


class Access(Enum):
    PUBLIC = "public"  # login page, health probe, static files
    UNLOCK = "unlock"  # logged in, allowed while locked (unlock, logout)
    PASSWORD = "password"  # logged in, allowed while a password change is due  # noqa: S105


RouteAccess = Access | tuple[str, ...]
SESSION = web.RequestKey("session", Session)


def route(app: web.Application, method: str, path: str, handler: Handler,
          access: RouteAccess) -> None:
    """Declare a route with who may use it (roles, or an Access level)."""
    app.router.add_route(method, path, handler)
    app[ACCESS][(method, path)] = access


def session_of(request: web.Request) -> Session:
    return request[SESSION]


def wants_html(request: web.Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("Accept", "")


def _refuse(request: web.Request, status: int, reason: str) -> web.StreamResponse:
    if status == 401 and wants_html(request):
        raise web.HTTPFound("/login")
    return web.json_response({"error": reason}, status=status)


def same_origin(request: web.Request) -> bool:
    """No Origin header (same-origin GETs, non-browser clients) or exactly the console's own:
    ``[web] public_origin`` behind the TLS proxy, else this request's scheme and host."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.method in SAFE_METHODS or request.headers.get("Upgrade") is None
    public = request.app[BACKEND].settings().web.public_origin
    return origin == (public or f"{request.scheme}://{request.host}")


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), (sent or "").encode())


def _access(request: web.Request) -> RouteAccess | None:
    info = request.match_info.route.resource
    if info is None:
        return None
    canonical = info.canonical
    table: dict[tuple[str, str], RouteAccess] = request.app[ACCESS]
    if isinstance(info, web.StaticResource):  # the one static folder, nothing named like it
        return Access.PUBLIC
    for method in (request.method, "*"):
        found = table.get((method, canonical))
        if found is not None:
            return found
    if request.method == "HEAD":
        return table.get(("GET", canonical))
    return None


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if isinstance(request.match_info.http_exception, web.HTTPException):
        return await handler(request)  # 404 / 405 from the router
    access = _access(request)
    if access is None:
        return _refuse(request, 403, "forbidden")
    if not same_origin(request):
        return _refuse(request, 403, "cross-origin request refused")
    if access is Access.PUBLIC:
        return await handler(request)
    session = request.app[SESSIONS].get(request.cookies.get(COOKIE))
    if session is None or not await _still_valid(request, session):
        return _refuse(request, 401, "login required")
    request[SESSION] = session
    if request.method not in SAFE_METHODS and not csrf_ok(session, await _sent_csrf(request)):
        return _refuse(request, 403, "missing or wrong CSRF token")
    if access is Access.UNLOCK:
        return await handler(request)
    if session.locked:
        if wants_html(request):
            raise web.HTTPFound("/locked")
        return _refuse(request, 423, "locked: enter your password again")
    if session.must_change and access is not Access.PASSWORD:
        if wants_html(request):
            raise web.HTTPFound("/password")
        return _refuse(request, 403, "change your temporary password first")
    if isinstance(access, tuple) and session.role not in access:
        return _refuse(request, 403, "not allowed for your role")
    request.app[SESSIONS].touch(session)
    return await handler(request)


async def _still_valid(request: web.Request, session: Session) -> bool:
    """Every ``RECHECK`` at most: the account is still active and its password unchanged
    since the login (a disable or a reset from the command line or another process ends the
    session here); an ended session is closed with its websockets."""
    backend = request.app[BACKEND]
    now = backend.clock()
    if backend.database is None or (session.checked is not None
                                    and now - session.checked < RECHECK):
        return True
    if await accounts.session_valid(backend.database, session.user_id, session.epoch):
        session.checked = now
        return True
    request.app[SESSIONS].close(session.token)
    await close_websockets(session)
    return False


async def close_websockets(session: Session) -> None:
    for ws in list(session.websockets):
        await ws.close(code=4001, message=b"logged out")


async def _sent_csrf(request: web.Request) -> str | None:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await form_body(request)
        value = form.get("csrf")
        return value if isinstance(value, str) else None
    return None


def set_cookie(request: web.Request, response: web.StreamResponse, session: Session) -> None:
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="Strict",
                        secure=request.app[SECURE], path="/")


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")


def secure_cookies(mode: str, host: str, public_origin: str = "") -> bool:
    """Secure cookies, except when the console is reachable on loopback only over plain HTTP
    (the demo): behind the TLS proxy (an https public origin) they are always Secure."""
    return (mode == "always" or host not in ("127.0.0.1", "localhost", "::1")
            or public_origin.startswith("https://"))
