"""Fixtures of the real-Asterisk tier: one booted sandbox per session, a logged-in AMI link."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.domain.calendar import Calendar
from dialer.pbx import sandbox
from dialer.pbx.sandbox import SandboxState
from dialer.services.callbacks import messages
from tests.asterisk.centre import centre
from tests.asterisk.kit import PERIOD
from tests.support.browser import browser

__all__ = ["browser", "centre"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return config.load(None)


@pytest.fixture(scope="session")
def sandbox_state(settings: Settings, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[SandboxState]:
    directory = tmp_path_factory.mktemp("sandbox")
    state = sandbox.up(settings, directory, before_boot=messages.install_hold_placeholder)
    try:
        yield state
    finally:
        sandbox.down(directory)


@pytest.fixture(scope="session")
async def ami(sandbox_state: SandboxState) -> AsyncIterator[AmiLink]:
    link = AmiLink(sandbox_state.ami())
    await link.connect()
    try:
        yield link
    finally:
        await link.close()


@pytest.fixture
def calendar(tmp_path: Path) -> Calendar:
    """A calendar with hoikuryo's January 2027 calling period (see campaign_kit.PERIOD)."""
    (tmp_path / "cal.toml").write_text(PERIOD)
    return config.calendar(config.load(tmp_path / "cal.toml"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
