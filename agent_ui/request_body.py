"""Reading what the browser sent: JSON bodies with the expected fields and types, or a 400."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

MAX_JSON = 64 * 1024
MAX_FIELDS = 100  # no page of the console has more fields; a body of thousands is refused
# What reading a body the browser should never have sent raises: ValueError (bad JSON, a
# multipart body without or with a wrong boundary, undecodable bytes), LookupError (an unknown
# charset), RecursionError (JSON nested thousands deep).
UNREADABLE = (ValueError, LookupError, RecursionError)


def bad_request(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": reason}, ensure_ascii=False),
                              content_type="application/json")


async def form_body(request: web.Request
                    ) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The submitted form (empty for a body of another type); a 400 when it cannot be read or
    has more than ``MAX_FIELDS`` fields (counted before a urlencoded body is parsed)."""
    if request.content_type == "application/x-www-form-urlencoded" \
            and (await request.read()).count(b"&") >= MAX_FIELDS:
        raise bad_request(f"a form has at most {MAX_FIELDS} fields")
    try:
        form = await request.post()
    except UNREADABLE:
        raise bad_request("the form could not be read") from None
    if len(form) > MAX_FIELDS:
        raise bad_request(f"a form has at most {MAX_FIELDS} fields")
    return form


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_JSON, actual_size=request.content_length)
    try:
        body = await request.json()
    except UNREADABLE:
        raise bad_request("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def text(body: dict[str, Any], name: str, default: str = "", max_len: int = 2000) -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        raise bad_request(f"{name}: a string is expected")
    if len(value) > max_len:
        raise bad_request(f"{name}: at most {max_len} characters")
    return value


def integer(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_request(f"{name}: an integer is expected")
    return value


def flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise bad_request(f"{name}: true or false is expected")
    return value


def local_time(body: dict[str, Any], name: str, tz: ZoneInfo) -> datetime | None:
    """A ``YYYY-MM-DDTHH:MM`` from a datetime-local field, in the centre's zone."""
    value = text(body, name, max_len=32)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name}: not a date and time") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
