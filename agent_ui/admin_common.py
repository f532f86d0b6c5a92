"""What the admin pages share: reading a submitted form, the acting session, times shown in
the centre's zone, and the Jinja filters the admin templates use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from agent_ui import keys
from agent_ui.request_body import form_body
from agent_ui.security import session_of

FIELD_MAX = 2000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def form_fields(request: web.Request) -> dict[str, str]:
    """The text fields of a submitted form ({} for any other body: the handler then answers
    400 for what is missing)."""
    if request.content_type not in FORM_TYPES:
        return {}
    form = await form_body(request)
    return {k: v[:FIELD_MAX] for k, v in form.items() if isinstance(v, str)}


async def form_lists(request: web.Request, name: str) -> list[str]:
    """Every value of a repeated field (check boxes)."""
    if request.content_type not in FORM_TYPES:
        return []
    form = await form_body(request)
    return [v[:FIELD_MAX] for v in form.getall(name, []) if isinstance(v, str)]


def actor(request: web.Request) -> str:
    return session_of(request).login


def local(request: web.Request, at: datetime | None) -> str:
    """``at`` in the centre's zone, to the second; "" for None."""
    if at is None:
        return ""
    return at.astimezone(keys.backend(request).settings().tz).strftime("%Y-%m-%d %H:%M:%S")


def int_param(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        raise web.HTTPBadRequest(text="not a number") from None
    return min(max(number, low), high)


def path_id(request: web.Request, name: str = "id") -> int:
    """A numeric id from the path (404 for anything else)."""
    value = request.match_info.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise web.HTTPNotFound(text="not found")
    return int(value)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024**2:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024**2:.1f} MB"


ROLE_LABELS = {"operator": "オペレーター", "manager": "業務管理者", "admin": "システム管理者"}


def context(request: web.Request) -> dict[str, Any]:
    """What every admin template gets besides its own data."""
    return {"role_labels": ROLE_LABELS, "local": lambda at: local(request, at),
            "size_text": size_text}
