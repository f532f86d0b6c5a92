"""Who may be calling back: looked up when the gate answers a call on the dedicated number
(``CallerLookup``: the targets called on the calling number), or searched by the operator on
the call (``CallerFinder``: by 管理番号, name or kana, another number) for a caller from a
number the centre never dialed.

Only batches whose debt type is in its callback-handling period today are searched, each on its
own (dialer.adapters.db.callers); the operator then confirms identity (本人確認) before anything
else opens. A lookup that fails never delays or breaks the call: it just finds no candidate.
Every search is in the access log: what it searched by and how many it found — never what was
typed (a name or a number).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from dialer.adapters.db import audit, batches
from dialer.adapters.db.callers import CallerCandidate, SearchBy, candidates, search
from dialer.adapters.db.engine import Database, DatabaseError
from dialer.domain import kana, phone
from dialer.domain.calendar import Calendar

log = logging.getLogger(__name__)

MAX_HITS = 20  # candidates shown for one search; more means "say more"
MAX_TYPED = 40  # characters the operator may type
MIN_NAME = 2  # folded characters of a name or kana before it is searched


class SearchError(ValueError):
    """The search cannot be run as typed; the message says why (never what was typed)."""


@dataclass(frozen=True)
class Found:
    candidates: list[CallerCandidate]
    more: bool  # over MAX_HITS matched: the operator should ask for more of the name


def parse(kind: str, typed: str) -> tuple[SearchBy, str]:
    """What to search by and the folded value, or SearchError."""
    try:
        by = SearchBy(kind)
    except ValueError:
        raise SearchError("search by ref, name or phone") from None
    if len(typed) > MAX_TYPED:
        raise SearchError(f"at most {MAX_TYPED} characters")
    if any(unicodedata.category(ch)[0] == "C" for ch in typed):
        raise SearchError("control characters are not allowed")
    if by is SearchBy.PHONE:
        try:
            return by, phone.normalize(typed)
        except phone.PhoneError as exc:
            raise SearchError(f"phone: {exc}") from None
    value = kana.fold(typed) if by is SearchBy.NAME else "".join(
        unicodedata.normalize("NFKC", typed).split())
    if len(value) < (MIN_NAME if by is SearchBy.NAME else 1):
        raise SearchError("name: type at least two characters" if by is SearchBy.NAME
                          else "ref: type the 管理番号")
    return by, value


async def open_batches(database: Database, calendar: Calendar, today: date) -> list[int]:
    """The batches whose callback-handling period includes ``today``."""
    async with database.connect() as conn:
        known = await batches.list_all(conn)
    return [b.id for b in known if calendar.in_callback_period(today, b.debt_type, b.month)]


class CallerLookup:
    def __init__(self, database: Database, calendar: Callable[[], Calendar],
                 clock: Callable[[], datetime]) -> None:
        self._db, self._calendar, self._clock = database, calendar, clock

    async def __call__(self, caller: str) -> list[CallerCandidate]:
        try:
            number = phone.normalize(caller)
        except phone.PhoneError:
            return []  # withheld or foreign: nobody to match
        try:
            wanted = await open_batches(self._db, self._calendar(), self._clock().date())
            return await candidates(self._db, number, wanted)
        except DatabaseError as exc:
            log.error("caller lookup failed: %s", exc)
            return []


class CallerFinder:
    """The operator's search for the caller on their line, batch by batch."""

    def __init__(self, database: Database, calendar: Callable[[], Calendar],
                 clock: Callable[[], datetime]) -> None:
        self._db, self._calendar, self._clock = database, calendar, clock

    async def __call__(self, actor: str, call_id: str, kind: str, typed: str) -> Found:
        by, value = parse(kind, typed)
        wanted = await open_batches(self._db, self._calendar(), self._clock().date())
        hits: list[CallerCandidate] = []
        async with self._db.transaction() as conn:
            for batch_id in wanted:  # one query per batch, never a join of lists
                hits += await search(conn, batch_id, by, value, MAX_HITS + 1 - len(hits))
                if len(hits) > MAX_HITS:
                    break
            found = Found(hits[:MAX_HITS], len(hits) > MAX_HITS)
            await audit.record(conn, actor, "callers.search", f"call:{call_id}", by=by.value,
                               hits=len(found.candidates), more=found.more,
                               batches=len(wanted))
        return found
