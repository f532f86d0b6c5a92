"""`dialer user …` sets what the console's login checks: temporary passwords, chosen ones,
disabled accounts. (The command runs its own event loop: in a thread here.)"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient

from tests.component.conftest import Dialer
from tests.component.web.kit import Clock, login


async def test_a_new_account_logs_in_with_its_temporary_password_once(
        dialer: Dialer, client: TestClient, clock: Clock) -> None:
    code, out, _ = await asyncio.to_thread(dialer, "user", "add", "op9", "--name", "新人", "--json")
    assert code == 0
    temporary = json.loads(out)["temporary_password"]
    assert len(temporary) == 12
    clock.now = datetime.now(UTC)  # the command stamps the password with the real time
    await login(client, "op9", temporary)
    response = await client.get("/console", headers={"Accept": "text/html"},
                                allow_redirects=False)
    assert response.headers["Location"] == "/password"  # must choose their own first


async def test_a_chosen_password_from_stdin_and_its_rules(
        dialer: Dialer, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = await asyncio.to_thread(dialer, "user", "password", "op1", "--stdin")
    assert code == 2 and "at least 10 characters" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-passphrase\n"))
    assert (await asyncio.to_thread(dialer, "user", "password", "op1", "--stdin"))[0] == 0
    await login(client, "op1", "a-good-passphrase")


async def test_a_disabled_account_cannot_log_in(dialer: Dialer, client: TestClient) -> None:
    assert (await asyncio.to_thread(dialer, "user", "disable", "op2", "--as", "kanri"))[0] == 0
    await login(client, "op2", expect=401)
    assert (await asyncio.to_thread(dialer, "user", "enable", "op2"))[0] == 0
    await login(client, "op2")
    code, _, err = await asyncio.to_thread(dialer, "user", "disable", "ghost")
    assert code == 2 and "no account" in err
