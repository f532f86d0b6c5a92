"""The live supervisor board (managers, admins): the page, its JSON snapshot, its websocket,
and listen-in on an operator's call.

The board's figures come from the service's BoardSource (``Backend.board``); the websocket
forwards the ``board`` topic (``publish_board`` and the emergency alerts). Listen-in goes
through the service's Listener (``app[keys.LISTENER]``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from agent_ui import keys, live_ws
from agent_ui.render import render
from agent_ui.request_body import json_body, text
from agent_ui.security import MANAGERS, route, session_of
from dialer.domain.reach import PERSON_CONTACT_RATE_TARGET
from dialer.services.runtime.live import BOARD
from dialer.services.supervision.board import board_message
from dialer.services.supervision.listen_in import ListenRefused, ListenUnavailable


async def _snapshot(request: web.Request) -> dict[str, Any] | None:
    board = await keys.backend(request).board()
    return board_message(board) if board is not None else None


async def page(request: web.Request) -> web.Response:
    settings = keys.backend(request).settings()
    session = session_of(request)
    return render(request, "board.html", phones=[s.name for s in settings.seats],
                  my_phone=session.seat, target=PERSON_CONTACT_RATE_TARGET,
                  debt_types={d.code: d.name for d in settings.debt_types})


async def snapshot(request: web.Request) -> web.Response:
    message = await _snapshot(request)
    if message is None:
        return web.json_response({"error": "the board is not running"}, status=503)
    return web.json_response(message)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    return await live_ws.stream(request, BOARD, await _snapshot(request))


async def listen(request: web.Request) -> web.Response:
    body = await json_body(request)
    seat, phone = text(body, "seat", max_len=32), text(body, "phone", max_len=32)
    try:
        started = await request.app[keys.LISTENER].start(session_of(request).login, seat, phone)
    except ListenRefused as exc:
        return web.json_response({"error": str(exc)}, status=409)
    except ListenUnavailable as exc:
        return web.json_response({"error": str(exc)}, status=503)
    return web.json_response({"listening": {"seat": started.seat, "phone": started.phone,
                                            "operator": started.operator}})


def add(app: web.Application) -> None:
    route(app, "GET", "/board", page, MANAGERS)
    route(app, "GET", "/api/board", snapshot, MANAGERS)
    route(app, "GET", "/ws/board", websocket, MANAGERS)
    route(app, "POST", "/api/board/listen", listen, MANAGERS)
