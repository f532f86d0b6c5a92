"""Suspension orders (SPEC "Suspension order", §14(11)ウ): the orders in force and the history;
a manager records the city's order (what halts, why, the city's reference) and, later, its
release. Every order and release is in the access log (the ``suspensions`` service writes it).

Orders and releases go through the service's ``Suspensions`` (``app[keys.SUSPENSIONS]``): an
order entered here is applied before the answer; the other services on the database pick it
up within their poll interval.
"""

from __future__ import annotations

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context, form_fields, form_lists, path_id
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer.domain import suspension
from dialer.domain.suspension import OrderError, Request, Scope
from dialer.services.governance import suspensions

DEBT_PREFIX = "debt:"
HISTORY = 50


async def page(request: web.Request, *, error: str = "", status: int = 200,
               form: dict[str, object] | None = None) -> web.Response:
    back = keys.backend(request)
    names = {d.code: d.name for d in back.settings().debt_types}
    orders = await suspensions.history(back.db(), HISTORY)
    return render(request, "admin/suspensions.html", status=status, error=error,
                  active=[o for o in orders if o.active],
                  released=[o for o in orders if not o.active],
                  label=lambda o: suspension.label(o, names),
                  debt_types=back.settings().debt_types, scope_labels=suspension.LABELS,
                  form=form or {"scopes": []}, **context(request))


def _requests(scopes: list[str], reason: str, city_ref: str) -> list[Request]:
    found = []
    for value in dict.fromkeys(scopes):  # each once, in the form's order
        if value.startswith(DEBT_PREFIX):
            found.append(Request(Scope.DEBT_TYPE, value.removeprefix(DEBT_PREFIX), reason,
                                 city_ref))
        elif value in (Scope.OUTBOUND, Scope.CALLBACKS, Scope.DATA):
            found.append(Request(Scope(value), None, reason, city_ref))
        else:
            raise OrderError(f"unknown scope {value[:40]!r}")
    return found


async def record(request: web.Request) -> web.Response:
    back = keys.backend(request)
    fields = await form_fields(request)
    scopes = await form_lists(request, "scope")
    form: dict[str, object] = {"scopes": scopes, "reason": fields.get("reason", ""),
                               "city_ref": fields.get("city_ref", "")}
    known = [d.code for d in back.settings().debt_types]
    try:
        requests = _requests(scopes, fields.get("reason", ""), fields.get("city_ref", ""))
        await request.app[keys.SUSPENSIONS].record(requests, actor(request), known)
    except OrderError as exc:
        return await page(request, error=_japanese(exc), status=400, form=form)
    raise web.HTTPFound("/admin/suspensions")


async def release(request: web.Request) -> web.Response:
    order_id = path_id(request)
    fields = await form_fields(request)
    ref = fields.get("release_ref", "")
    try:
        await request.app[keys.SUSPENSIONS].release(order_id, actor(request), ref)
    except OrderError as exc:
        return await page(request, error=_japanese(exc), status=400)
    raise web.HTTPFound("/admin/suspensions")


def _japanese(exc: OrderError) -> str:
    text = str(exc)
    if text.startswith("name at least one scope"):
        return f"停止する業務を選んでください / {text}"
    if "released already" in text:
        return f"この命令は解除済みです / {text}"
    return text


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/suspensions", page, MANAGERS)
    route(app, "POST", "/admin/suspensions", record, MANAGERS)
    route(app, "POST", "/admin/suspensions/{id}/release", release, MANAGERS)
