"""The async engine: a SQLite file under var/ by default (WAL, foreign keys), or PostgreSQL.

Services open a unit of work here — ``Database.transaction()`` (committed whole, or rolled back
whole when its block raises) or ``Database.connect()`` (reads) — and hand the ``Connection`` it
yields to the repository functions of this package; they never build a query themselves.
``DatabaseError`` is any error the database raised, ``Conflict`` a constraint it refused (a
unique key taken at the same moment).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from dialer import config
from dialer.adapters.db import audit_key
from dialer.config import Settings

log = logging.getLogger(__name__)

Connection = AsyncConnection  # one unit of work, passed to the repository functions
DatabaseError = SQLAlchemyError
Conflict = IntegrityError


class Database:
    """The service's database; built once in app.py and disposed on the way out."""

    def __init__(self, settings: Settings) -> None:
        self.audit_key = audit_key.ChainKey(settings.audit.key_file)
        self.engine: AsyncEngine = _create_engine(settings, self.audit_key)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """One transaction: committed when the block ends, rolled back whole if it raises."""
        async with self.engine.begin() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[Connection]:
        """A connection for reads; nothing done in it is committed."""
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                return (await conn.execute(text("SELECT 1"))).scalar_one() == 1
        except (SQLAlchemyError, OSError) as exc:
            log.error("database check failed: %s", exc)
            return False

    async def close(self) -> None:
        await self.engine.dispose()


def _create_engine(settings: Settings, chain_key: audit_key.ChainKey) -> AsyncEngine:
    url = settings.database.url
    path = config.database_file(settings)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    # hide_parameters: a database error never carries the statement's values (a caller's
    # number, a name) into a log line or a traceback. The access log's key rides on every
    # connection as an execution option (see audit_key).
    engine = create_async_engine(url, hide_parameters=True,
                                 execution_options={audit_key.OPTION: chain_key})
    if path is not None:
        pragmas = _sqlite_pragmas(int(settings.database.busy_timeout_ms))
        event.listen(engine.sync_engine, "connect", pragmas)
    return engine


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    """Every new SQLite connection: WAL, foreign keys, the configured wait for a busy file."""
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON",
                       f"busy_timeout={busy_timeout_ms}", "secure_delete=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
    return on_connect
