"""Typed keys for what the web app holds (one module, so every route finds them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import jinja2
from aiohttp import web

from dialer.services.board import Board
from dialer.services.health import Health

HealthSource = Callable[[], Awaitable[Health]]
BoardSource = Callable[[], Awaitable[Board | None]]

HEALTH = web.AppKey("health", HealthSource)
BOARD = web.AppKey("board", BoardSource)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
