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
    websockets: set[web.WebSocketResponse] = field(default_factory=set)


class SessionStore:
    def __init__(self, idle: timedelta, lifetime: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self.idle, self.lifetime, self._clock = idle, lifetime, clock
        self._sessions: dict[str, Session] = {}

    def open(self, user_id: int, login: str, display_name: str, role: str,
             must_change: bool) -> Session:
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), user_id, login, display_name, role,
                          secrets.token_urlsafe(32), now, now, must_change)
        self._sessions[session.token] = session
        return session

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

    def of_user(self, user_id: int) -> list[Session]:
        return [s for s in self._sessions.values() if s.user_id == user_id]

    def all(self) -> list[Session]:
        return list(self._sessions.values())
