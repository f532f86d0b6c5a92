"""Driving the console over HTTP like a browser: log in (login-form CSRF cookie), then send
requests with the session's CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

PASSWORD = "correct-horse-42"
CSRF_META = re.compile(r'<meta name="csrf" content="([^"]+)">')
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


class Clock:
    """The console's clock, moved by the test (idle lock, lockout expiry)."""

    def __init__(self) -> None:
        self.now = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def login_form_token(client: TestClient) -> str:
    page = await (await client.get("/login")).text()
    found = CSRF_FIELD.search(page)
    assert found, "the login page has a CSRF field"
    return found.group(1)


async def login(client: TestClient, user: str, password: str = PASSWORD,
                expect: int = 302) -> str:
    """Log ``user`` in; the session's CSRF token (from a page they can see)."""
    token = await login_form_token(client)
    response = await client.post("/login", data={"csrf": token, "login": user,
                                                 "password": password},
                                 allow_redirects=False)
    assert response.status == expect, await response.text()
    if expect != 302:
        return ""
    page = await (await client.get("/password")).text()
    found = CSRF_META.search(page)
    assert found, "a logged-in page carries the CSRF token"
    return found.group(1)
