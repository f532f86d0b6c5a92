"""What the web app holds: every typed app key, in this one place, so every route finds the
service parts. ``create_app`` fills the console's own (backend, templates, access, sessions,
secure cookies); whoever builds the service (dialer/app.py) puts its parts (listen-in, recorder,
suspensions, campaigns), and tests put the same objects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import jinja2
from aiohttp import web

from agent_ui.sessions import SessionStore
from dialer.config import Settings
from dialer.domain.login import AddressThrottle, LoginPolicy
from dialer.services.callbacks.hold_music import HoldMusic
from dialer.services.calls.campaigns import Campaigns
from dialer.services.console.call_backs import CallBacks
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.governance.suspensions import Suspensions
from dialer.services.recordings.recorder import Recorder
from dialer.services.runtime.database import Database
from dialer.services.runtime.live import LiveHub
from dialer.services.supervision.board import Board
from dialer.services.supervision.health import Health
from dialer.services.supervision.listen_in import Listener

HealthSource = Callable[[], Awaitable[Health]]
BoardSource = Callable[[], Awaitable[Board | None]]


async def _no_board() -> None:
    return None


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Backend:
    """The service parts the console uses; tests build one with what they need."""

    health: HealthSource
    board: BoardSource = _no_board
    database: Database | None = None
    settings: Callable[[], Settings] = Settings
    clock: Callable[[], datetime] = _utcnow
    console: OperatorConsole | None = None
    hub: LiveHub = field(default_factory=LiveHub)
    policy: LoginPolicy = field(default_factory=LoginPolicy)
    throttle: AddressThrottle | None = None

    def __post_init__(self) -> None:
        if self.throttle is None:
            self.throttle = AddressThrottle(self.policy)

    def db(self) -> Database:
        if self.database is None:
            raise web.HTTPServiceUnavailable(text="no database")
        return self.database

    def operator_console(self) -> OperatorConsole:
        if self.console is None:
            raise web.HTTPServiceUnavailable(text="the operator console is not running")
        return self.console


BACKEND = web.AppKey("backend", Backend)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
ACCESS = web.AppKey("access", dict)  # (method, resource canonical path) -> who may use it
SESSIONS = web.AppKey("sessions", SessionStore)
SECURE = web.AppKey("secure_cookies", bool)
LISTENER = web.AppKey("listener", Listener)  # listen-in on an operator's call (the board)
RECORDER = web.AppKey("recorder", Recorder)  # emergency recordings: archive and stop
SUSPENSIONS = web.AppKey("suspensions", Suspensions)  # the city's orders, applied at once
CAMPAIGNS = web.AppKey("campaigns", Campaigns)  # opening and closing, applied at once
CALL_BACKS = web.AppKey("call_backs", CallBacks)  # the console's call-back list
HOLD_MUSIC = web.AppKey("hold_music", HoldMusic)  # new hold audio: Asterisk reloads it


def backend(request: web.Request) -> Backend:
    return request.app[BACKEND]
