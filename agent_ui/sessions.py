"""Who is logged in: a session per login, kept in the service's memory (a restart logs
everybody out), locked when idle longer than ``idle``, ended after ``lifetime``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web


@dataclass
class Session:
    token: str
    user_id: int
    login: str
    display_name: str
    role: str
    csrf: str
    started: datetime
    last_active: datetime
    must_change: bool = False
    locked: bool = False
    seat: str = ""
    epoch: int = 0  # the account's session epoch when it logged in
    checked: datetime | None = None  # when the account was last checked (epoch, active)
    websockets: set[web.WebSocketResponse] = field(default_factory=set)


class SessionStore:
    def __init__(self, idle: timedelta, lifetime: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self.idle, self.lifetime, self._clock = idle, lifetime, clock
        self._sessions: dict[str, Session] = {}

    def open(self, user_id: int, login: str, display_name: str, role: str,
             must_change: bool, epoch: int = 0) -> Session:
        now = self._clock()
        self.sweep()
        session = Session(secrets.token_urlsafe(32), user_id, login, display_name, role,
                          secrets.token_urlsafe(32), now, now, must_change, epoch=epoch,
                          checked=now)
        self._sessions[session.token] = session
        return session

    def sweep(self) -> int:
        """Drop every session past its lifetime (the ones nobody comes back to as well); how
        many."""
        now = self._clock()
        gone = [t for t, s in self._sessions.items() if now - s.started > self.lifetime]
        for token in gone:
            del self._sessions[token]
        return len(gone)

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token`` (expired ones are dropped; idle ones get locked)."""
        session = self._sessions.get(token or "")
        if session is None:
            return None
        now = self._clock()
        if now - session.started > self.lifetime:
            self.close(session.token)
            return None
        if now - session.last_active > self.idle:
            session.locked = True
        return session

    def touch(self, session: Session) -> None:
        if not session.locked:
            session.last_active = self._clock()

    def unlock(self, session: Session) -> None:
        session.locked = False
        session.last_active = self._clock()

    def close(self, token: str) -> Session | None:
        return self._sessions.pop(token, None)

    def close_user(self, user_id: int, keep: str = "") -> list[Session]:
        """End every session of the account but ``keep``; the ones ended."""
        ended = [s for s in self.of_user(user_id) if s.token != keep]
        for session in ended:
            self.close(session.token)
        return ended

    def of_user(self, user_id: int) -> list[Session]:
        return [s for s in self._sessions.values() if s.user_id == user_id]

    def all(self) -> list[Session]:
        return list(self._sessions.values())
