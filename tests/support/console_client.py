"""A console user over real HTTP and websockets (the real service's port), as a browser
would be: login form with its CSRF cookie, the page's CSRF token, JSON actions, live frames."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf" content="([^"]+)">')


class ConsoleUser:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: list[dict[str, Any]] = []
        self.arrived_at: list[float] = []  # time.perf_counter() of each frame's arrival
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self.matched = -1  # index of the frame ``frame`` returned last

    async def login(self, login: str, password: str, home: str = "/console") -> None:
        async with self.http.get(f"{self.base}/login") as response:
            token = CSRF_FIELD.search(await response.text())
        assert token, "login form"
        async with self.http.post(f"{self.base}/login", data={
                "csrf": token.group(1), "login": login, "password": password}) as response:
            page = await response.text()
            assert response.status == 200 and str(response.url).endswith(home), page[:300]
        found = CSRF_META.search(page)
        assert found, "the page carries the CSRF token"
        self.csrf = found.group(1)

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        async with self.http.post(f"{self.base}{path}", json=body or {}, headers={
                "X-CSRF-Token": self.csrf, "Origin": self.base,
                "Accept": "application/json"}) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.base}{path}",
                                 headers={"Accept": "application/json"}) as response:
            return response.status, await response.json()

    async def connect(self, path: str = "/ws/console") -> None:
        self.ws = await self.http.ws_connect(f"{self.base}{path}", origin=self.base)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                self.arrived_at.append(time.perf_counter())
                self.frames.append(message.json())
                self._arrived.set()

    async def frame(self, match: Callable[[dict[str, Any]], bool], timeout_s: float = 30.0,
                    after: int = 0) -> dict[str, Any]:
        """The first frame received (from index ``after`` on) that ``match``es."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        seen = after
        while True:
            for index in range(seen, len(self.frames)):
                if match(self.frames[index]):
                    self.matched = index
                    return self.frames[index]
            seen = len(self.frames)
            self._arrived.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame in {timeout_s} s; got {self.frames[-3:]}")
            try:
                async with asyncio.timeout(remaining):
                    await self._arrived.wait()
            except TimeoutError:
                continue

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
        await self.http.close()


def record_shown(frame: dict[str, Any]) -> bool:
    call = frame.get("call") or {}
    return frame.get("type") == "state" and bool(call.get("record"))


async def save_each_result(user: ConsoleUser, answered: Callable[[int, Any], None],
                           code: str = "101") -> None:
    """An operator at work, for ever: each call's result (``code``) saved once its wrap-up
    frame arrives; ``answered(status, answer)`` sees every save's answer."""
    saved, after = "", 0
    while True:
        frame = await user.frame(lambda f: f.get("state") == "wrap_up", timeout_s=3600,
                                 after=after)
        after = user.matched + 1
        call = (frame.get("call") or {}).get("id", "")
        if call == saved:
            continue
        answered(*await user.post("/api/console/result", {
            "code": code, "account_transfer": "recommended"}))
        saved = call
