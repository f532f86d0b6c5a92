"""Helpers for the admin pages' tests: forms as a browser sends them, uploads as admin.js
sends them (the CSRF token in a header, the file streamed)."""

from __future__ import annotations

import re

from aiohttp import FormData
from aiohttp.test_utils import TestClient

SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


async def post_form(client: TestClient, path: str, csrf: str, **fields: str
                    ) -> tuple[int, str, str]:
    """A plain form POST (token as a field); status, body and Location (no redirects)."""
    response = await client.post(path, data={"csrf": csrf, **fields}, allow_redirects=False)
    return response.status, await response.text(), response.headers.get("Location", "")


def upload_form(fields: dict[str, str], file_name: str, data: bytes,
                csrf_field: str = "") -> FormData:
    form = FormData()
    if csrf_field:
        form.add_field("csrf", csrf_field)
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", data, filename=file_name, content_type="application/octet-stream")
    return form


async def upload(client: TestClient, path: str, csrf: str, fields: dict[str, str],
                 file_name: str, data: bytes) -> tuple[int, str]:
    """As admin.js sends it: the token in the X-CSRF-Token header."""
    response = await client.post(path, data=upload_form(fields, file_name, data),
                                 headers={"X-CSRF-Token": csrf, "Accept": "text/html"},
                                 allow_redirects=False)
    return response.status, await response.text()
