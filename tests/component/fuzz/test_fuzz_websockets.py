"""The live websockets (``/ws/console``, ``/ws/board``) under random frames (issue #12): text
that is not JSON, JSON of any shape, unknown or ill-typed message types, JSON nested thousands
deep, binary frames, frames over the 4 KB limit.

Every refused frame gets an error frame and the socket keeps working (a ping still gets its
pong); a frame over the limit closes the socket (1009) and a new one works; the server logs no
error for any of it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSCloseCode, WSMsgType
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_ui.live_ws import MAX_FRAME
from tests.component.fuzz.hostile import NO_SHRINK, json_values
from tests.component.web.kit import login

FUZZ_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
PING = '{"type": "ping"}'
ODD_TEXTS = ('{"type": ["ping"]}', '{"type": {"a": 1}}', '{"type": null}', '{"type": 1}',
             '{"type": "pong"}', '{"type": "state"}', '{"type": "PING"}', '{"type":"ping"',
             "null", '"ping"', "[]", "[" * 3000, '{"a":' * 800, "\x00", "", " ",
             '{"type": "activity", "extra": "<script>alert(1)</script>"}')
assert all(len(t.encode()) <= MAX_FRAME for t in ODD_TEXTS)
frames = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=100)),
    st.tuples(st.just("text"), json_values.map(json.dumps)),
    st.tuples(st.just("text"), st.sampled_from(ODD_TEXTS)),
    st.tuples(st.just("text"), st.sampled_from([PING, '{"type": "activity"}'])),
    st.tuples(st.just("binary"), st.binary(max_size=100)),
)


def expected_reply(kind: str, data: str | bytes) -> str | None:
    """What the server answers a frame with: "pong", "error" or nothing."""
    if kind == "binary":
        return "error"
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        return "error"
    wanted = message.get("type") if isinstance(message, dict) else None
    if wanted == "ping":
        return "pong"
    return None if wanted == "activity" else "error"


async def replies(ws: ClientWebSocketResponse, pongs: int = 1) -> list[str]:
    """The error and pong messages received up to and including the ``pongs``-th pong (pushes
    of the live topic in between are skipped)."""
    seen: list[str] = []
    while seen.count("pong") < pongs:
        frame = await ws.receive(timeout=3)
        assert frame.type is WSMsgType.TEXT, f"the socket closed: {frame}"
        kind = json.loads(frame.data).get("type")
        if kind in ("error", "pong"):
            seen.append(kind)
    return seen


@pytest.fixture
async def sockets(console_client: TestClient) -> AsyncIterator[dict[str, TestClient]]:
    """op1 on the console's socket, kanri on the board's (two clients, one server)."""
    manager = TestClient(console_client.server)
    await login(console_client, "op1")
    await login(manager, "kanri")
    yield {"/ws/console": console_client, "/ws/board": manager}
    await manager.close()


@settings(max_examples=150, deadline=timedelta(seconds=10), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(path=st.sampled_from(["/ws/console", "/ws/board"]),
       sent=st.lists(frames, min_size=1, max_size=6), huge=st.booleans())
async def test_random_frames_get_an_error_frame_and_the_socket_keeps_working(
        sockets: dict[str, TestClient], caplog: pytest.LogCaptureFixture, path: str,
        sent: list[tuple[str, str | bytes]], huge: bool) -> None:
    caplog.set_level(logging.ERROR)
    caplog.clear()
    ws = await sockets[path].ws_connect(path)
    try:
        for kind, data in sent:
            if kind == "binary":
                assert isinstance(data, bytes)
                await ws.send_bytes(data)
            else:
                assert isinstance(data, str)
                await ws.send_str(data)
            await ws.send_str(PING)
            expected = [r for r in (expected_reply(kind, data), "pong") if r is not None]
            assert await replies(ws, expected.count("pong")) == expected, (kind, data)
        if huge:
            await ws.send_str(json.dumps({"type": "ping", "pad": "x" * MAX_FRAME}))
            frame = await ws.receive(timeout=3)
            assert frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
            assert ws.close_code == WSCloseCode.MESSAGE_TOO_BIG
    finally:
        await ws.close()
    again = await sockets[path].ws_connect(path)  # the endpoint itself still works
    await again.send_str(PING)
    assert await replies(again) == ["pong"]
    await again.close()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_odd_frames_are_refused_without_closing_the_socket(
        console_client: TestClient) -> None:
    """Found by the fuzzer: ``json.loads`` raised RecursionError on "[[[[…" (not ValueError),
    which ended the handler and closed the socket; ``{"type": ["ping"]}`` raised TypeError (a
    list as a dict key). And a binary frame used to be dropped without a word; it is refused
    like any other message now."""
    await login(console_client, "op1")
    ws = await console_client.ws_connect("/ws/console")
    for frame in ("[" * 3000, '{"type": ["ping"]}', '{"type": {"a": 1}}', b'{"type": "ping"}'):
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        await ws.send_str(PING)
        assert await replies(ws) == ["error", "pong"], frame
    await ws.close()


def live_socket_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if not t.done()
            and getattr(t.get_coro(), "__qualname__", "") in ("_send", "_receive")]


async def test_no_task_outlives_its_socket(console_client: TestClient) -> None:
    """Found by the fuzzer ("Task was destroyed but it is pending!"): when the browser went
    away, the handler was cancelled while waiting for its two tasks, and the sender was left
    waiting on its queue for ever."""
    await login(console_client, "op1")
    for _ in range(5):
        ws = await console_client.ws_connect("/ws/console")
        await ws.send_str(PING)
        assert await replies(ws) == ["pong"]
        await ws.close()
    for _ in range(100):
        if not live_socket_tasks():
            break
        await asyncio.sleep(0.01)
    assert not live_socket_tasks()
