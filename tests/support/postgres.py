"""PostgreSQL for the tests' database tier: a scratch database per test, cloned from a template
migrated once per run (``CREATE DATABASE … TEMPLATE``), dropped when the test ends.

The server is the one ``make test`` starts (Debian's cluster; the Makefile's ``postgres`` step
creates the role and the database below). ``DIALER_TEST_PG_URL`` points elsewhere. A server
that cannot be reached fails the tests that need it: it is never a reason to skip.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from dialer import config
from dialer.adapters.db import migrate

URL = os.environ.get("DIALER_TEST_PG_URL",
                     "postgresql+asyncpg://dialer:dialer-test@127.0.0.1:5432/dialer_test")
PREFIX = "dt_"  # dt_<pid>_<n>: a run's databases; a dead pid's are swept at the next run
_NAMES = itertools.count()  # one counter for every Server of the run: names never collide
T = TypeVar("T")


def _in_thread(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a loop of its own (the tests' session loop may be running)."""
    async def run() -> T:
        return await make()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


class Server:
    def __init__(self, url: str = URL) -> None:
        self.url = url
        self._created: list[str] = []
        self._template: str | None = None
        self._pid = os.getpid()
        self._dropper = concurrent.futures.ThreadPoolExecutor(1)
        self._dropping: list[concurrent.futures.Future[None]] = []

    def database_url(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def execute(self, *statements: str) -> list[list[asyncpg.Record]]:
        """Statements on the admin database (autocommit: CREATE/DROP DATABASE)."""
        dsn = self.url.replace("postgresql+asyncpg://", "postgresql://", 1)

        async def run() -> list[list[asyncpg.Record]]:
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
            except (OSError, asyncpg.PostgresError) as exc:
                raise RuntimeError(
                    f"PostgreSQL for the tests is not reachable at {dsn.split('@')[-1]} "
                    f"({exc}); `make test` starts it (Makefile target `postgres`), "
                    "DIALER_TEST_PG_URL points elsewhere") from exc
            try:
                return [await conn.fetch(statement) for statement in statements]
            finally:
                await conn.close()

        return _in_thread(run)

    def create(self, migrated: bool = True) -> str:
        """A new database: at the schema's head (from the template), or empty."""
        template = self.template() if migrated else "template0"
        name = f"{PREFIX}{self._pid}_{next(_NAMES)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created.append(name)
        return name

    def drop(self, name: str) -> None:
        """Drop ``name``, ending its sessions. The server's own autovacuum worker, which this
        role may not end, can hold the database for a moment: retried for up to 10 s."""
        deadline = time.monotonic() + 10.0
        while True:
            try:
                self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def drop_later(self, name: str) -> None:
        """Dropped by a worker thread while the next test runs (a drop waits ~0.3 s for the
        server's checkpoint); ``close`` waits for them."""
        self._dropping.append(self._dropper.submit(self.drop, name))

    def template(self) -> str:
        if self._template is None:
            name = self.create(migrated=False)
            settings = config.load(None)
            settings = dataclasses.replace(settings, database=dataclasses.replace(
                settings.database, url=self.database_url(name)))
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(migrate.upgrade, settings).result()
            self._template = name
        return self._template

    def sweep(self) -> None:
        """Drop the databases of runs that are gone (killed before they cleaned up)."""
        rows = self.execute(f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")[0]
        for (name,) in rows:
            pid = int(name.split("_")[1])
            if pid != self._pid and not _alive(pid):
                self.drop(name)

    def close(self) -> None:
        """Drop the databases this server made (the template too)."""
        self._dropper.shutdown(wait=True)
        for future in self._dropping:
            future.result()
        for name in self._created:
            self.drop(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
