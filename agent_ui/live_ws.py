"""The websocket behind every live page: forwards one hub topic to the browser.

The session is checked for every frame in both directions: a locked session receives only
{"type": "locked"} (nothing personal reaches a locked screen), a closed one is disconnected.
The browser may only send the message types below, each allowed per role.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from agent_ui import keys
from agent_ui.keys import SESSIONS
from agent_ui.security import ANYONE_LOGGED_IN, session_of
from agent_ui.sessions import Session

CLIENT_MESSAGES: dict[str, tuple[str, ...]] = {"activity": ANYONE_LOGGED_IN,
                                               "ping": ANYONE_LOGGED_IN}
MAX_FRAME = 4096


async def stream(request: web.Request, topic: str, first: dict[str, Any] | None = None
                 ) -> web.WebSocketResponse:
    session = session_of(request)
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    session.websockets.add(ws)
    hub = keys.backend(request).hub
    try:
        with hub.subscription(topic) as queue:
            if first is not None:
                await ws.send_json(first)
            tasks = (asyncio.create_task(_send(request, session, ws, queue)),
                     asyncio.create_task(_receive(request, session, ws)))
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:  # also when this handler is cancelled (the browser went away)
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
    finally:
        session.websockets.discard(ws)
        await ws.close()
    return ws


def _alive(request: web.Request, session: Session) -> bool:
    return request.app[SESSIONS].get(session.token) is session


async def _send(request: web.Request, session: Session, ws: web.WebSocketResponse,
                queue: asyncio.Queue[dict[str, Any]]) -> None:
    while not ws.closed:
        message = await queue.get()
        if not _alive(request, session):
            await ws.close(code=4001, message=b"session ended")
            return
        await ws.send_json({"type": "locked"} if session.locked else message)


async def _receive(request: web.Request, session: Session, ws: web.WebSocketResponse) -> None:
    async for frame in ws:
        if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            continue
        if not _alive(request, session):
            await ws.close(code=4001, message=b"session ended")
            return
        kind = _kind(frame.data) if frame.type is WSMsgType.TEXT else None  # binary: refused
        allowed = CLIENT_MESSAGES.get(kind or "")
        if allowed is None or session.role not in allowed:
            await ws.send_json({"type": "error", "error": "message not allowed"})
        elif kind == "activity":
            request.app[SESSIONS].touch(session)
        elif kind == "ping":
            await ws.send_json({"type": "locked"} if session.locked else {"type": "pong"})


def _kind(data: str) -> str | None:
    """The ``type`` of a JSON object frame; None for anything else."""
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
        return None
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) else None
