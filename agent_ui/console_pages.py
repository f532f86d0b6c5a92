"""The operator console: the page, its live websocket, and the operator's actions.

Managers take calls too (SPEC §9(4), §12(1)キ: no second account): the console is theirs as
well as the operators'; the board stays the managers' alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from agent_ui import keys, live_ws
from agent_ui.render import render
from agent_ui.request_body import bad_request, flag, integer, json_body, local_time, text
from agent_ui.security import MANAGER, OPERATOR, route, session_of
from dialer.domain.result_form import TRANSFER_ANSWERS, FormError, ResultForm
from dialer.services.callbacks.callers import SearchError
from dialer.services.console.operator_console import Actor, ConsoleError, OperatorConsole
from dialer.services.runtime.live import operator_topic
from recordings_policy.emergency import CONSENTS, REASONS, FlagError

CALL_TAKERS = (OPERATOR, MANAGER)
PAUSE_REASONS = ("休憩", "研修・ミーティング", "事務作業", "その他")
SHORTCUT_KEYS = "123456789"
SEARCH_MAX = 40  # what the caller search accepts (dialer.services.callbacks.callers)


def _actor(request: web.Request) -> Actor:
    session = session_of(request)
    return Actor(session.user_id, session.login)


def _console(request: web.Request) -> OperatorConsole:
    return keys.backend(request).operator_console()


async def page(request: web.Request) -> web.Response:
    settings = keys.backend(request).settings()
    choices = settings.classification.operator_choices()
    return render(request, "console.html", codes=choices, shortcuts=SHORTCUT_KEYS,
                  seats=[s.name for s in settings.seats], pause_reasons=PAUSE_REASONS,
                  transfer_answers=TRANSFER_ANSWERS, reasons=REASONS, consents=CONSENTS)


async def snapshot(request: web.Request) -> web.Response:
    console = _console(request)
    state = await console.snapshot(_actor(request))
    return web.json_response(state | {"seats_taken": console.seats_taken()})


async def callbacks(request: web.Request) -> web.Response:
    """The call-back list (residents' agreed times, callers not identified)."""
    listing = request.app.get(keys.CALL_BACKS)
    if listing is None:
        raise web.HTTPServiceUnavailable(text="the call-back list is not available")
    return web.json_response(await listing.listing(session_of(request).login))


async def websocket(request: web.Request) -> web.WebSocketResponse:
    actor = _actor(request)
    first = await _console(request).snapshot(actor)
    return await live_ws.stream(request, operator_topic(actor.user_id), first)


Action = Callable[[OperatorConsole, Actor, dict[str, Any]], Awaitable[object]]


def action(run: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A POST the operator makes: JSON in, their new console state out; a refused move is a
    409 with the reason, a bad form a 400, a database that cannot take the write now a 503
    (agent_ui/app.py) — never a 500."""
    async def handler(request: web.Request) -> web.Response:
        body = await json_body(request)
        console, actor = _console(request), _actor(request)
        try:
            await run(console, actor, body)
        except (FormError, FlagError, SearchError) as exc:
            raise bad_request(str(exc)) from None
        except ConsoleError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        return web.json_response(await console.snapshot(actor))
    return handler


async def _ready(console: OperatorConsole, actor: Actor, body: dict[str, Any]) -> object:
    return await console.go_ready(actor, text(body, "seat", max_len=32))


async def _pause(console: OperatorConsole, actor: Actor, body: dict[str, Any]) -> object:
    return await console.pause(actor, text(body, "reason", max_len=60))


async def _leave(console: OperatorConsole, actor: Actor, _body: dict[str, Any]) -> object:
    return await console.leave(actor)


async def _hangup(console: OperatorConsole, actor: Actor, _body: dict[str, Any]) -> object:
    await console.end_call(actor)
    return None


async def _search(console: OperatorConsole, actor: Actor, body: dict[str, Any]) -> object:
    return await console.search_callers(actor, text(body, "by", max_len=8),
                                        text(body, "query", max_len=SEARCH_MAX))


async def _identify(console: OperatorConsole, actor: Actor, body: dict[str, Any]) -> object:
    return await console.identify(actor, integer(body, "target_id"), flag(body, "verified"))


def _result(tz_of: Callable[[], Any]) -> Action:
    async def run(console: OperatorConsole, actor: Actor, body: dict[str, Any]) -> object:
        form = ResultForm(
            code=text(body, "code", max_len=8), note=text(body, "note", max_len=4000),
            appointment=local_time(body, "appointment", tz_of()),
            account_transfer=text(body, "account_transfer", max_len=16),
            escalation=flag(body, "escalation"), complaint=flag(body, "complaint"),
            residents_voice=flag(body, "residents_voice"),
            phone=text(body, "phone", max_len=32))
        # the page's id for this save, the same on every retry: a save whose answer was lost
        # is not recorded twice
        return await console.save_result(actor, form, text(body, "save_id", max_len=64))
    return run


async def _emergency(console: OperatorConsole, actor: Actor, body: dict[str, Any]) -> object:
    return await console.flag_emergency(actor, text(body, "reason", max_len=16),
                                        text(body, "consent", max_len=16),
                                        text(body, "text", max_len=500))


def add(app: web.Application) -> None:
    def tz() -> Any:
        return app[keys.BACKEND].settings().tz

    route(app, "GET", "/console", page, CALL_TAKERS)
    route(app, "GET", "/api/console", snapshot, CALL_TAKERS)
    route(app, "GET", "/api/console/callbacks", callbacks, CALL_TAKERS)
    route(app, "GET", "/ws/console", websocket, CALL_TAKERS)
    for name, run in (("ready", _ready), ("pause", _pause), ("leave", _leave),
                      ("hangup", _hangup), ("search", _search), ("identify", _identify),
                      ("result", _result(tz)), ("emergency", _emergency)):
        route(app, "POST", f"/api/console/{name}", action(run), CALL_TAKERS)
