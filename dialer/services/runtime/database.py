"""The database as the web layer holds it: the handle (``Database``) and the faults that pass
(locked by another writer, disk full, an I/O error), on which a request is answered 503 and may
be sent again; nothing of it was written. The classification is the adapter's
(``dialer.adapters.db.faults``)."""

from __future__ import annotations

from dialer.adapters.db.engine import Database
from dialer.adapters.db.faults import FULL, IO, LOCKED, name, transient

__all__ = ["FULL", "IO", "LOCKED", "Database", "name", "transient"]
