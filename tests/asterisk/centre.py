"""A whole centre on the sandbox for console tests: the real service (web console on its own
port, a fresh SQLite file), simulated seat phones and residents (sipp), a batch of two
residents, and operator op1 / manager kanri with known passwords."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dialer import config
from dialer.app import Service
from dialer.config import Settings
from dialer.demo.centre import with_demo_period
from dialer.domain.login import LoginPolicy
from dialer.pbx import ports, sandbox, sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.governance import accounts
from dialer.services.intake.importer import ImportRequest, import_file
from dialer.services.runtime.clock import Clock
from tests.asterisk.kit import TOKYO, install_test_messages
from tests.component.intake.files import write_csv
from tests.support.console_client import ConsoleUser

AT = datetime(2027, 1, 12, 12, 0, tzinfo=TOKYO)  # a Tuesday, inside 11:30-13:30
PASSWORD = "operator-pass-1"
CALLER = "09055550001"
ROWS = [["T001", "電話　花子", "デンワ ハナコ", "011-555-0005", "", "R5", "第1期", "R5.4.30",
         "12345"],
        ["T002", "折返　太郎", "オリカエシ タロウ", CALLER, "", "R5", "第2期", "R5.5.31", "8000"]]


@dataclass
class Centre:
    service: Service
    state: SandboxState
    batch: int
    operator: ConsoleUser


@pytest.fixture
async def centre(sandbox_state: SandboxState, tmp_path: Path,
                 request: pytest.FixtureRequest) -> AsyncIterator[Centre]:
    """A test module may set ``CENTRE_RESIDENTS`` to another residents' sipp scenario (run
    with ``tmp_path`` as its working folder), a test ``centre_phones`` (a fixture: the seat
    phones' sipp arguments, ``-sn uas`` by default)."""
    residents = getattr(request.module, "CENTRE_RESIDENTS", sipp.RESIDENTS)
    phones = (request.getfixturevalue("centre_phones")
              if "centre_phones" in request.fixturenames else None)
    async with running_centre(sandbox_state, tmp_path, residents, phones=phones) as running:
        yield running


@contextlib.asynccontextmanager
async def running_centre(sandbox_state: SandboxState, tmp_path: Path, residents: Path,
                         web: dict[str, Any] | None = None, web_port: int | None = None,
                         console_user: bool = True, rows: list[list[str]] | None = None,
                         phones: list[str] | None = None) -> AsyncIterator[Centre]:
    """The centre; ``web`` overrides ``[web]`` settings (the TLS proxy's public origin),
    without ``console_user`` no operator is logged in by the test's own client, and ``rows``
    replace the two residents."""
    path = tmp_path / "dialer.toml"
    path.write_text("")
    port = web_port or ports.free_tcp_port()

    def adjust(settings: Settings) -> Settings:
        pointed = with_demo_period(sandbox.service_settings(settings, sandbox_state), AT.date())
        return dataclasses.replace(
            pointed, web=dataclasses.replace(pointed.web, port=port, **(web or {})),
            database=dataclasses.replace(
                pointed.database, url=f"sqlite+aiosqlite:///{tmp_path / 'centre.sqlite3'}"))

    install_test_messages(sandbox_state.host_inner / "sounds")
    service = Service(config.load(path), path, adjust=adjust, watch_interval_s=60,
                      clock=Clock(TOKYO, AT))
    async with sipp.running(phones or ["-sn", "uas"], sandbox_state.phones_port, tmp_path), \
            sipp.running(["-sf", str(residents)], sandbox_state.carrier_port, tmp_path):
        await service.start()
        settings = service.settings
        batch = (await import_file(service.database, settings, ImportRequest(
            write_csv(tmp_path / "hoikuryo.csv", rows or ROWS), "hoikuryo", "2027-01"))).batch
        await accounts.add_user(service.database, "op1", "オペ一", "operator", ["hoikuryo"],
                                settings.debt_types)
        await accounts.set_password(service.database, "setup", "op1", PASSWORD, LoginPolicy())
        await accounts.add_user(service.database, "kanri", "管理者", "manager", [],
                                settings.debt_types)
        await accounts.set_password(service.database, "setup", "kanri", PASSWORD, LoginPolicy())
        operator = ConsoleUser(service.url)
        try:
            if console_user:
                await operator.login("op1", PASSWORD)
                await operator.connect()
            yield Centre(service, sandbox_state, batch, operator)
        finally:
            await operator.close()
            await service.stop()


