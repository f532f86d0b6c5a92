"""A centre of its own per test: a TOML config in tmp_path, a real SQLite file, migrated;
and the `dialer` command run against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from dialer import cli, config
from dialer.adapters.db import migrate
from dialer.adapters.db.engine import Database
from dialer.config import Settings

CONFIG = """
[database]
url = "sqlite+aiosqlite:///centre.sqlite3"

[paths]
data_dir = "data"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def settings(config_file: Path) -> Settings:
    return config.load(config_file)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    await migrate.upgrade_database(database)
    yield database
    await database.close()


Dialer = Callable[..., tuple[int, str, str]]


@pytest.fixture
def dialer(config_file: Path, capsys: pytest.CaptureFixture[str]) -> Dialer:
    """Run `dialer --config <this centre> ARGS…`: (exit code, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(["--config", str(config_file), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
