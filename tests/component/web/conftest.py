"""The console app on a real SQLite database, with one account per role, and the service's
parts (listen-in, recorder, suspensions, campaigns) put on it as ``dialer serve`` puts them."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db import users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.login import LoginPolicy
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.sessions import OperatorSessions
from dialer.services.governance import accounts
from dialer.services.supervision.health import Health
from tests.component.web.kit import PASSWORD, Clock
from tests.support.web_parts import service_parts

ACCOUNTS = {"op1": "operator", "op2": "operator", "kanri": "manager", "sysadm": "admin"}
HEALTHY = Health("テストセンター", "011-211-0000", True, "22.10.1", True)


async def healthy() -> Health:
    return HEALTHY


@pytest.fixture
async def accounts_ready(database: Database) -> dict[str, str]:
    async with database.engine.begin() as conn:
        for login, role in ACCOUNTS.items():
            await users.add(conn, login, login.upper(), role)
    for login in ACCOUNTS:
        await accounts.set_password(database, "setup", login, PASSWORD, LoginPolicy())
    return ACCOUNTS


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def backend(settings: Settings, database: Database, clock: Clock,
            accounts_ready: dict[str, str]) -> Backend:
    return Backend(healthy, database=database, settings=lambda: settings, clock=clock)


@pytest.fixture
async def client(backend: Backend, settings: Settings, database: Database
                 ) -> AsyncIterator[TestClient]:
    parts = await service_parts(settings, database, backend.clock)
    client = TestClient(TestServer(parts.attach(create_app(backend))))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def console_client(backend: Backend, settings: Settings, database: Database
                         ) -> AsyncIterator[TestClient]:
    """The console app with the real console service (no Asterisk: nothing can be dialed)."""
    link = AmiLink(settings.ami)  # never connected
    pool = OperatorPool()
    store = DbAttemptStore(database, settings.classification, settings.tz)
    runner = CampaignRunner(link, store, pool, lambda: config.calendar(settings),
                            settings.classification, settings.centre.dedicated_number,
                            backend.clock)
    console = OperatorConsole(database, pool, OperatorSessions(link, pool, backend.clock),
                              runner, store, lambda _call: (), lambda: settings,
                              backend.clock, backend.hub)
    parts = await service_parts(settings, database, backend.clock, link=link, pool=pool,
                                runner=runner, console=console)
    client = TestClient(TestServer(parts.attach(
        create_app(dataclasses.replace(backend, console=console)))))
    await client.start_server()
    yield client
    await client.close()
