"""Accounts (SPEC "Access control and logs"): the list, a new account with a temporary
password shown once, disable/enable, a password reset. Admins manage every account, managers
operators and managers; nobody disables or resets their own account here. Every change is in
the access log (the ``accounts`` service writes it)."""

from __future__ import annotations

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import context, form_fields, form_lists, path_id
from agent_ui.keys import SESSIONS
from agent_ui.render import render
from agent_ui.security import MANAGERS, route, session_of
from dialer.services.governance import accounts, user_admin
from dialer.services.governance.accounts import AccountError
from dialer.services.governance.user_admin import ROLES, Account


async def users_page(request: web.Request, *, error: str = "", status: int = 200,
                     form: dict[str, object] | None = None) -> web.Response:
    back = keys.backend(request)
    session = session_of(request)
    found = await accounts.list_accounts(back.db())
    now = back.clock()
    rows = [{"account": a, "manageable": accounts.may_manage(session.role, a.user.role),
             "self": a.user.id == session.user_id,
             "locked": a.locked_until is not None and now < a.locked_until} for a in found]
    return render(request, "admin/users.html", status=status, rows=rows, error=error,
                  roles=[r for r in ROLES if accounts.may_manage(session.role, r)],
                  debt_types=back.settings().debt_types,
                  debt_names={d.code: d.name for d in back.settings().debt_types},
                  form=form or {"role": "operator", "skills": []}, **context(request))


async def create_user(request: web.Request) -> web.Response:
    back = keys.backend(request)
    session = session_of(request)
    fields = await form_fields(request)
    skills = await form_lists(request, "skills")
    login = fields.get("login", "").strip()
    name = fields.get("display_name", "").strip()
    role = fields.get("role", "")
    form: dict[str, object] = {"login": login, "display_name": name, "role": role,
                               "skills": skills}
    if role not in ROLES:
        return await users_page(request, error="役割を選んでください / choose a role",
                                status=400, form=form)
    if not accounts.may_manage(session.role, role):
        return await users_page(
            request, status=403, form=form,
            error="システム管理者のアカウントはシステム管理者だけが作成できます / "
                  "only an admin may create an admin account")
    try:
        user_id = await accounts.add_user(back.db(), login, name, role, skills,
                                          back.settings().debt_types, actor=session.login)
        temporary = await accounts.set_password(back.db(), session.login, login, None,
                                                back.policy, back.clock())
    except AccountError as exc:
        return await users_page(request, error=str(exc), status=400, form=form)
    return render(request, "admin/user_password.html", created=True, login=login,
                  display_name=name or login, user_id=user_id, temporary=temporary,
                  **context(request))


NOT_YOURS = ("システム管理者のアカウントはシステム管理者だけが変更できます / "
             "only an admin may change an admin account")


async def _target(request: web.Request) -> Account:
    """The account in the path (404 when there is none)."""
    found = await user_admin.account(keys.backend(request).db(), path_id(request))
    if found is None:
        raise web.HTTPNotFound(text="no such account")
    return found


async def set_active(request: web.Request) -> web.Response:
    back = keys.backend(request)
    session = session_of(request)
    fields = await form_fields(request)
    if fields.get("active") not in ("0", "1"):
        return await users_page(request, error="active must be 0 or 1", status=400)
    active = fields["active"] == "1"
    target = await _target(request)
    if not accounts.may_manage(session.role, target.user.role):
        return await users_page(request, error=NOT_YOURS, status=403)
    try:
        await accounts.set_active(back.db(), session.login, target.user.login, active)
    except AccountError as exc:
        return await users_page(request, error=_japanese(exc), status=400)
    if not active:
        await _end_sessions(request, target.user.id)
    raise web.HTTPFound("/admin/users")


async def reset_password(request: web.Request) -> web.Response:
    back = keys.backend(request)
    session = session_of(request)
    target = await _target(request)
    if not accounts.may_manage(session.role, target.user.role):
        return await users_page(request, error=NOT_YOURS, status=403)
    if target.user.id == session.user_id:
        return await users_page(
            request, status=400,
            error="自分のパスワードは「パスワード変更」で変更してください / "
                  "change your own password on the password page")
    try:
        temporary = await accounts.set_password(back.db(), session.login, target.user.login,
                                                None, back.policy, back.clock())
    except AccountError as exc:
        return await users_page(request, error=str(exc), status=400)
    await _end_sessions(request, target.user.id)
    return render(request, "admin/user_password.html", created=False, login=target.user.login,
                  display_name=target.user.display_name, user_id=target.user.id,
                  temporary=temporary, **context(request))


async def _end_sessions(request: web.Request, user_id: int) -> None:
    """A disabled account or a reset password logs the account out everywhere at once."""
    store = request.app[SESSIONS]
    for session in store.of_user(user_id):
        store.close(session.token)
        for ws in list(session.websockets):
            await ws.close(code=4001, message=b"logged out")


def _japanese(exc: AccountError) -> str:
    if "your own account" in str(exc):
        return f"自分のアカウントは無効にできません / {exc}"
    return str(exc)


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/users", users_page, MANAGERS)
    route(app, "POST", "/admin/users", create_user, MANAGERS)
    route(app, "POST", "/admin/users/{id}/active", set_active, MANAGERS)
    route(app, "POST", "/admin/users/{id}/password", reset_password, MANAGERS)
