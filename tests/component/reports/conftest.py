"""The report tests' centre: the component fixtures with two debt types' periods and an
outbox, and the centre built from CP932 files with its independent record."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.adapters.db.engine import Database
from dialer.config import Settings
from tests.component.conftest import config_text
from tests.component.reports.centre import PERIODS, Centre, build


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(config_text(database_url).replace('[paths]\ndata_dir = "data"\n', "")
                    + PERIODS, encoding="utf-8")
    return path


@pytest.fixture
async def centre(database: Database, settings: Settings, tmp_path: Path) -> Centre:
    return await build(database, settings, tmp_path)
