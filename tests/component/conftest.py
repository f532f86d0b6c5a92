"""A centre of its own per test: a TOML config in tmp_path, a real database, migrated; and the
`dialer` command run against it.

The database tier (the tests under the folders of ``DB_TIER``, and modules marked ``db_tier``)
runs every test that uses the centre twice: on a SQLite file and on a PostgreSQL database of its
own (tests/support/postgres.py: cloned from a migrated template in ~50 ms).
``@pytest.mark.sqlite_only("why")`` keeps a test on SQLite; ``@pytest.mark.fresh_database`` gives
it an empty PostgreSQL database (migration tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from dialer import cli, config
from dialer.adapters.db import migrate
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from tests.support.postgres import Server

DB_TIER = {"intake", "reports", "governance", "audit"}
BACKENDS = ("sqlite", "postgresql")
SQLITE_URL = "sqlite+aiosqlite:///centre.sqlite3"


def config_text(url: str = SQLITE_URL) -> str:
    return f'\n[database]\nurl = "{url}"\n\n[paths]\ndata_dir = "data"\n'


CONFIG = config_text()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        return
    if (metafunc.definition.path.parent.name in DB_TIER
            or metafunc.definition.get_closest_marker("db_tier") is not None):
        metafunc.parametrize("db_backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    server = Server()
    server.sweep()
    yield server
    server.close()


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(db_backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """This test's database: a SQLite file beside the config, or a PostgreSQL database."""
    if db_backend == "sqlite":
        yield SQLITE_URL
        return
    server: Server = request.getfixturevalue("pg_server")
    name = server.create(migrated=request.node.get_closest_marker("fresh_database") is None)
    yield server.database_url(name)
    server.drop_later(name)


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(config_text(database_url), encoding="utf-8")
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
