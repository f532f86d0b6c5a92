"""The admin pages (filled in next)."""

from __future__ import annotations

from aiohttp import web


def add(app: web.Application) -> None:
    del app
