"""The import's hot path: multi-row ``INSERT … VALUES (…), (…) …`` straight to the driver.

SQLAlchemy's executemany processes every parameter of every row in Python, and the driver's
executemany steps SQLite once per row. One statement per page of rows (SQLite and PostgreSQL
both take 32,766 parameters) is several times faster, and SQLite runs it without holding the
GIL, so the import validates the next chunk meanwhile. Bind processors that exist for the dialect
(dates on SQLite) are applied; ``ON CONFLICT DO NOTHING`` and ``RETURNING`` are optional.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

MAX_PARAMETERS = 30_000


class BulkInsert:
    def __init__(self, conn: AsyncConnection, table: Table, columns: Sequence[str], *,
                 returning: Sequence[str] = (), ignore_duplicates: bool = False) -> None:
        dialect = conn.dialect
        if dialect.paramstyle not in ("qmark", "numeric_dollar"):
            raise ValueError("BulkInsert needs qmark or numeric_dollar parameters")
        quote = dialect.identifier_preparer.quote
        self._conn = conn
        self._width = len(columns)
        self._numbered = dialect.paramstyle == "numeric_dollar"
        self._head = (f"INSERT INTO {quote(table.name)} "  # noqa: S608 - quoted identifiers
                      f"({', '.join(quote(c) for c in columns)}) VALUES ")
        self._tail = (" ON CONFLICT DO NOTHING" if ignore_duplicates else "") + (
            f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else "")
        self._returns = bool(returning)
        self._page = max(MAX_PARAMETERS // self._width, 1)
        self._sql: dict[int, str] = {}
        # Processors are pure and the values they see repeat (due dates): remember them.
        self._processors: list[tuple[int, Callable[[Any], Any]]] = [
            (i, lru_cache(maxsize=4096)(p)) for i, name in enumerate(columns)
            if (p := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        ]

    async def __call__(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Insert ``rows`` (tuples in the order of ``columns``); the rows RETURNING gave."""
        returned: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), self._page):
            page = rows[start:start + self._page]
            flat = list(chain.from_iterable(page))
            for index, processor in self._processors:
                flat[index::self._width] = [
                    None if v is None else processor(v) for v in flat[index::self._width]]
            result = await self._conn.exec_driver_sql(self._statement(len(page)), tuple(flat))
            if self._returns:
                returned.extend(tuple(r) for r in result)
        return returned

    def _statement(self, count: int) -> str:
        if count not in self._sql:
            if self._numbered:
                groups = (", ".join(f"${i * self._width + j + 1}" for j in range(self._width))
                          for i in range(count))
            else:
                groups = (", ".join("?" * self._width) for _ in range(count))
            self._sql[count] = self._head + ", ".join(f"({g})" for g in groups) + self._tail
        return self._sql[count]


def insert_ignoring_duplicates(conn: AsyncConnection, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
