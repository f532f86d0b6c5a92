"""The access log's key: the HMAC-SHA256 key every link of the chain is made with, kept in a
file outside the database (``[audit] key_file``, mode 0600), so whoever can rewrite the database
cannot recompute the chain.

The key travels with the engine: ``Database`` builds one ``ChainKey`` from the settings and sets
it as an execution option of its engine, so ``audit.record(conn, ...)`` finds it on any
connection of that engine (``of``) and no caller passes it.

The file is read at first use. It is created only when the log has no row yet; a log with rows
and no key file is refused (a new key would make every row before it unverifiable, and would let
whoever deleted the file start a fresh chain): restore the key from its copy. A log written
before the chain was keyed is re-chained once with ``dialer audit rekey`` (``audit_rekey``).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.key_files import KeyFileError, create_key, read_key

OPTION = "dialer_audit_key"  # the engine's execution option holding its ChainKey
WHAT = "access-log key"


class AuditKeyError(Exception):
    """The access log's key cannot be had; the message says what to do."""


class ChainKey:
    """The key in ``path``, read once and kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: bytes | None = None

    def for_writing(self, log_is_empty: bool) -> bytes:
        """The key; created in ``path`` when there is none and the log has no row yet."""
        if self._key is None:
            if not os.path.lexists(self.path) and log_is_empty:
                self._key = self._create()
            else:
                self._key = self.existing()
        return self._key

    def existing(self) -> bytes:
        """The key from its file; never a new one."""
        if self._key is None:
            if not os.path.lexists(self.path):
                raise AuditKeyError(
                    f"{self.path}: no {WHAT} there, but the access log has entries: restore the "
                    "key file from its copy (a new key cannot prove the entries before it). "
                    "A log written before the access log was keyed: `dialer audit rekey`, once")
            try:
                self._key = read_key(self.path, WHAT)
            except KeyFileError as exc:
                raise AuditKeyError(str(exc)) from None
        return self._key

    def create(self) -> bytes:
        """A new key in ``path``, which must not exist (``dialer audit rekey``)."""
        if os.path.lexists(self.path):
            raise AuditKeyError(f"{self.path}: the access log already has a key")
        self._key = self._create()
        return self._key

    def forget(self) -> None:
        """Drop the key read (its file was removed: a rekey that did not commit)."""
        self._key = None

    def _create(self) -> bytes:
        try:
            return create_key(self.path, WHAT)
        except FileExistsError:  # another process wrote the first entry at the same moment
            return read_key(self.path, WHAT)


def of(conn: AsyncConnection) -> ChainKey:
    """The key of the engine ``conn`` belongs to (set by ``Database``)."""
    chain_key = conn.sync_engine.get_execution_options().get(OPTION)
    if not isinstance(chain_key, ChainKey):
        raise AuditKeyError("this database connection carries no access-log key "
                            "(open the database with dialer.adapters.db.engine.Database)")
    return chain_key
