"""Login, logout, the idle lock and the password change."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from agent_ui import keys
from agent_ui.keys import SECURE, SESSIONS
from agent_ui.render import render
from agent_ui.request_body import form_body
from agent_ui.security import (
    ANYONE_LOGGED_IN,
    MANAGERS,
    OPERATOR,
    Access,
    clear_cookie,
    close_websockets,
    route,
    session_of,
    set_cookie,
)
from dialer.domain.login import AddressThrottle
from dialer.services.governance import access_log, accounts
from dialer.services.governance.accounts import AccountError, LoginRefused

LOGIN_CSRF = "login_csrf"  # double-submit cookie: the login form has no session yet
THROTTLE_WAIT_S = 30.0  # an attempt waits this long at most for its address to have room
THROTTLE_POLL_S = 0.05
HOME = {OPERATOR: "/console", **{role: "/board" for role in MANAGERS}}
FIELD_MAX = 200


def _field(form: object, name: str) -> str:
    value = form.get(name, "") if hasattr(form, "get") else ""
    return value[:FIELD_MAX] if isinstance(value, str) else ""


async def login_page(request: web.Request, error: str = "", status: int = 200
                     ) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    response = render(request, "login.html", error=error, csrf=token, status=status)
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="Strict",
                        secure=request.app[SECURE], path="/login")
    return response


async def login(request: web.Request) -> web.StreamResponse:
    back = keys.backend(request)
    form = await form_body(request)
    sent, expected = _field(form, "csrf"), request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        return await login_page(request, "フォームの有効期限が切れました。もう一度。", 403)
    address = request.remote or "?"
    now = back.clock()
    throttle = back.throttle
    assert throttle is not None
    if not await _room(throttle, address, back.clock):  # attempts in flight count too
        return await login_page(request, "試行回数が多すぎます。しばらく待ってください。", 429)
    try:
        found = await accounts.authenticate(back.db(), _field(form, "login").strip(),
                                            _field(form, "password"), now, back.policy, address)
    except LoginRefused as exc:
        throttle.end(address, back.clock(), failed=True)
        return await login_page(request, str(exc), 401)
    except BaseException:
        throttle.end(address, back.clock(), failed=False)
        raise
    throttle.end(address, back.clock(), failed=False)
    user = found.user
    session = request.app[SESSIONS].open(user.id, user.login, user.display_name, user.role,
                                         found.must_change, found.epoch)
    response = web.HTTPFound("/password" if found.must_change else HOME.get(user.role, "/"))
    set_cookie(request, response, session)
    response.del_cookie(LOGIN_CSRF, path="/login")
    raise response


async def _room(throttle: AddressThrottle, address: str, clock: Callable[[], datetime]) -> bool:
    """Wait (up to ``THROTTLE_WAIT_S``) until the address may start one more attempt: a shift
    of operators behind one NAT logging in at once queues; an address whose failures fill the
    window is refused at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + THROTTLE_WAIT_S
    while not throttle.begin(address, clock()):
        if throttle.over(address, clock()) or loop.time() > deadline:
            return False
        await asyncio.sleep(THROTTLE_POLL_S)
    return True


async def logout(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    request.app[SESSIONS].close(session.token)
    await close_websockets(session)
    await access_log.record(keys.backend(request).db(), session.login, "logout",
                            f"user:{session.user_id}")
    response = web.HTTPFound("/login")
    clear_cookie(response)
    raise response


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(HOME.get(session_of(request).role, "/login"))


async def locked_page(request: web.Request) -> web.Response:
    return render(request, "locked.html", error="")


async def unlock(request: web.Request) -> web.StreamResponse:
    """Re-enter the password after the idle lock (a wrong one counts towards the lockout)."""
    session = session_of(request)
    back = keys.backend(request)
    form = await form_body(request)
    try:
        await accounts.authenticate(back.db(), session.login, _field(form, "password"),
                                    back.clock(), back.policy, request.remote or "?")
    except LoginRefused as exc:
        if "json" in request.headers.get("Accept", ""):
            return web.json_response({"error": str(exc)}, status=401)
        return render(request, "locked.html", error=str(exc), status=401)
    request.app[SESSIONS].unlock(session)
    if "json" in request.headers.get("Accept", ""):
        return web.json_response({"ok": True})
    raise web.HTTPFound(HOME.get(session.role, "/"))


async def lock(request: web.Request) -> web.Response:
    """The page locks itself (idle timer in the browser, or the operator's lock button)."""
    session = session_of(request)
    session.locked = True
    return web.json_response({"locked": True})


async def password_page(request: web.Request) -> web.Response:
    return render(request, "password.html", error="")


async def change_password(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    back = keys.backend(request)
    form = await form_body(request)
    if _field(form, "new") != _field(form, "repeat"):
        return render(request, "password.html", error="新しいパスワードが一致しません", status=400)
    try:
        epoch = await accounts.change_password(back.db(), session.login, _field(form, "current"),
                                               _field(form, "new"), back.policy, back.clock())
    except AccountError as exc:
        return render(request, "password.html", error=str(exc), status=400)
    for other in request.app[SESSIONS].close_user(session.user_id, keep=session.token):
        await close_websockets(other)
    session.must_change, session.epoch = False, epoch
    raise web.HTTPFound(HOME.get(session.role, "/"))


def add(app: web.Application) -> None:
    route(app, "GET", "/login", login_page, Access.PUBLIC)
    route(app, "POST", "/login", login, Access.PUBLIC)
    route(app, "POST", "/logout", logout, Access.UNLOCK)
    route(app, "GET", "/locked", locked_page, Access.UNLOCK)
    route(app, "POST", "/unlock", unlock, Access.UNLOCK)
    route(app, "POST", "/lock", lock, ANYONE_LOGGED_IN)
    route(app, "GET", "/password", password_page, Access.PASSWORD)
    route(app, "POST", "/password", change_password, Access.PASSWORD)
    route(app, "GET", "/", home, ANYONE_LOGGED_IN)
    route(app, "POST", "/api/activity", activity, ANYONE_LOGGED_IN)


async def activity(request: web.Request) -> web.Response:
    """The browser saw the user typing or moving the mouse (the guard has noted the time)."""
    return web.json_response({"ok": True})
