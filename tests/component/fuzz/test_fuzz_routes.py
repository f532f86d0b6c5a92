"""Every declared route of the console under hostile requests (issue #12): malformed and
deeply nested JSON, JSON of every type, broken forms and multipart bodies, huge bodies, odd
content types and charsets, random query strings and path segments — as the role the route is
for (and sometimes another). The answer is always a clear 4xx (or the page), never a 500, never
a stack trace, a server path or a resident's data in an error; pages escape everything.

Routes come from the declarations (``app[ACCESS]``), so a new route is fuzzed by being declared.
The routes that end or lock the session (and the login form) have tests of their own below.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agent_ui.security import ACCESS, ANYONE_LOGGED_IN
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.login import AddressThrottle
from tests.component.fuzz.hostile import FIELDS, INJECTIONS, NO_SHRINK, json_values, texts
from tests.component.fuzz.web_kit import Users, checked, import_hostile_residents, log_in_everyone
from tests.component.web.conftest import ACCOUNTS
from tests.component.web.kit import PASSWORD, Clock, login, login_form_token

FUZZ_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
               HealthCheck.data_too_large]
SESSION_ROUTES = {("POST", "/login"), ("POST", "/logout"), ("POST", "/lock"),
                  ("POST", "/unlock"), ("POST", "/password")}
PARAM = re.compile(r"\{(\w+)\}")


def declared(client: TestClient) -> list[tuple[str, str, Any]]:
    return sorted((m, p, a) for (m, p), a in client.app[ACCESS].items()
                  if (m, p) not in SESSION_ROUTES and not p.startswith("/ws/"))


# --- what a hostile client sends ------------------------------------------------------------

json_objects = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)
raw_json = st.sampled_from([
    b"", b"{", b"}", b"[]", b"null", b"42", b'"text"', b"\xff\xfe", b"{'a': 1}", b'{"a": NaN}',
    b'{"note": "\\ud800"}', b'{"a":1,"a":2}', b"[" * 5000, b'{"a":' * 3000, b"\x00",
    b'{"seat": "seat01"}' + b" " * 70_000,  # just over the JSON limit
])
ID_VALUES = ("0", "-1", "1.5", "1e3", "99999999999999999999", "１", "%00", "..", "../1",
             "0x1F", " 7", "", "null")
Part = tuple[str, str | bytes, str | None, str]  # name, value, file name, extra headers


def boundary_body(fields: list[Part], boundary: str) -> bytes:
    out = b""
    for name, value, filename, extra in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"'
                                                      if filename is not None else "")
        data = value.encode() if isinstance(value, str) else value
        out += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{extra}\r\n"
                .encode() + data + b"\r\n")
    return out + f"--{boundary}--\r\n".encode()


PART_HEADERS = ("", "", "", "Content-Type: text/plain; charset=nope\r\n",
                "Content-Type: text/plain; charset=utf-16\r\n",
                "Content-Transfer-Encoding: base64\r\n", "Content-Encoding: gzip\r\n",
                "Content-Encoding: deflate\r\n", "Content-Type: multipart/mixed; boundary=c\r\n",
                "Content-Length: 99999\r\n")
multipart_fields = st.lists(st.tuples(
    st.sampled_from(FIELDS), st.one_of(texts, st.binary(max_size=300)),
    st.one_of(st.none(), st.sampled_from(["a.csv", "../../x.csv", "<script>.wav", "x.xlsx",
                                          "", "t.txt", "%22.csv"])),
    st.sampled_from(PART_HEADERS)), max_size=6)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes | None, str | None]:
    """(body, Content-Type) of every kind a browser, a script or an attacker may send."""
    kind = draw(st.sampled_from(["json", "json", "raw json", "form", "multipart",
                                 "broken multipart", "bytes", "none", "huge"]))
    if kind == "json":
        return json.dumps(draw(json_objects)).encode(), "application/json"
    if kind == "raw json":
        charset = draw(st.sampled_from(["", "; charset=utf-8", "; charset=latin-1",
                                        "; charset=nope", "; charset=utf-16"]))
        return draw(raw_json), "application/json" + charset
    if kind == "form":
        pairs = draw(st.lists(st.tuples(st.sampled_from(FIELDS), texts), max_size=6))
        return urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    if kind == "multipart":
        return (boundary_body(draw(multipart_fields), "fuzzbound"),
                "multipart/form-data; boundary=fuzzbound")
    if kind == "broken multipart":
        body = draw(st.one_of(st.binary(max_size=200), multipart_fields.map(
            lambda f: boundary_body(f, "fuzzbound")[:-7])))
        return body, draw(st.sampled_from([
            "multipart/form-data", "multipart/form-data; boundary=other",
            "multipart/form-data; boundary=fuzzbound", "multipart/form-data; boundary=" + "x" * 80,
            "multipart/mixed; boundary=fuzzbound"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300)), draw(st.sampled_from([
            "text/plain", "application/octet-stream", "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=nope", "text/html; charset=utf-16",
            "garbage", "application/json; boundary=x"]))
    if kind == "huge":
        return b'{"note": "' + b"x" * (1024**2 + 10) + b'"}', "application/json"
    return None, None


@st.composite
def queries(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(FIELDS), texts), texts),
                          max_size=5))
    query = urlencode(pairs)
    if draw(st.booleans()):
        query += draw(st.sampled_from(["&%ZZ", "&a=%ff%fe", "&page=%00", "&&&=", "&name=%2e%2e"]))
    return query


def path_values(taken: set[int]) -> st.SearchStrategy[str]:
    """A path segment for ``{id}`` / ``{name}``, never one of the logged-in accounts' ids."""
    return st.one_of(
        st.integers(0, 10**6).map(str), st.sampled_from(ID_VALUES), texts,
        st.sampled_from(["out_of_hours", "out_of_period", "congestion"]),
    ).filter(lambda v: not (v.strip().isdigit() and int(v.strip()) in taken))


@st.composite
def hostile_requests(draw: st.DrawFn, routes: list[tuple[str, str, Any]], taken: set[int]
                     ) -> dict[str, Any]:
    method, path, access = draw(st.sampled_from(routes))
    roles = access if isinstance(access, tuple) else ANYONE_LOGGED_IN
    allowed = [u for u, role in ACCOUNTS.items() if role in roles]
    user = draw(st.sampled_from(allowed)) if draw(st.integers(0, 4)) else \
        draw(st.sampled_from(sorted(ACCOUNTS)))
    values = path_values(taken)
    filled = PARAM.sub(lambda _m: quote(draw(values), safe=""), path)
    query = draw(queries())
    body, content_type = draw(bodies()) if method == "POST" else (None, None)
    return {"method": method, "path": filled + (f"?{query}" if query else ""), "user": user,
            "body": body, "content_type": content_type,
            "accept": draw(st.sampled_from(["application/json", "text/html", "*/*"])),
            "csrf_header": draw(st.integers(0, 5)) > 0}


# --- the tests ------------------------------------------------------------------------------

@pytest.fixture
async def users(console_client: TestClient, database: Database, settings: Settings,
                clock: Clock, tmp_path: Path) -> AsyncIterator[Users]:
    await import_hostile_residents(database, settings, tmp_path)
    everyone = await log_in_everyone(console_client, database, clock)
    yield everyone
    await everyone.close()


async def send(users: Users, request: dict[str, Any]) -> tuple[int, str]:
    user = request["user"]
    await users.ensure(user)
    client = users.clients[user]
    headers = {"Accept": request["accept"]}
    if request["content_type"] is not None:
        headers["Content-Type"] = request["content_type"]
    if request["method"] == "POST" and request["csrf_header"]:
        headers["X-CSRF-Token"] = users.csrf[user]
    response = await client.request(request["method"], request["path"], data=request["body"],
                                    headers=headers, allow_redirects=False)
    return await checked(response, f"{user} {request['method']} {request['path'][:120]}")


@settings(max_examples=700, deadline=timedelta(seconds=5), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(data=st.data())
async def test_every_route_answers_hostile_requests_with_a_clear_answer(
        users: Users, console_client: TestClient, data: st.DataObject) -> None:
    routes = declared(console_client)  # every declared route but the session ones and sockets
    assert len(routes) >= 40 and ("POST", "/api/console/result", ("operator", "manager")) in routes
    request = data.draw(hostile_requests(routes, set(users.ids.values())))
    status, _ = await send(users, request)
    event(f"{status // 100}xx")


async def test_deeply_nested_json_is_a_400(console_client: TestClient) -> None:
    """Found by the fuzzer: ``json.loads`` raises RecursionError (not ValueError) on JSON
    nested a few thousand deep, and LookupError on an unknown charset: every JSON route
    answered 500."""
    csrf = await login(console_client, "op1")
    for body, charset in ((b"[" * 5000, ""), (b'{"a":' * 3000, ""),
                          (b'{"reason": "x"}', "; charset=nope")):
        response = await console_client.post("/api/console/pause", data=body, headers={
            "X-CSRF-Token": csrf, "Content-Type": "application/json" + charset})
        status, text = await checked(response, f"JSON {body[:10]!r}{charset}")
        assert status == 400 and "JSON object" in text


BROKEN_FORMS = [
    (b"x", "multipart/form-data"),  # no boundary
    (b'--b\r\nContent-Disposition: form-data; name="month"\r\nContent-Type: text/plain; '
     b'charset=nope\r\n\r\n2027-01\r\n--b--\r\n', "multipart/form-data; boundary=b"),
    (b"x", "multipart/form-data; boundary=b"),  # no starting boundary
    (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe\r\n--b--\r\n',
     "multipart/form-data; boundary=b"),
    (b"a=1", "application/x-www-form-urlencoded; charset=nope"),
    (b"a=\xff", "application/x-www-form-urlencoded"),
]


async def test_a_form_that_cannot_be_read_is_a_400(console_client: TestClient) -> None:
    """Found by the fuzzer: the security middleware reads a form for its CSRF field, and a
    broken one (no boundary, bad bytes, an unknown charset) raised out of it: a 500 for any
    route, before the session's rights were even known. The login form likewise; and the
    uploads, which read their multipart stream themselves, on a part in an unknown charset."""
    csrf = await login(console_client, "kanri")
    for body, content_type in BROKEN_FORMS:
        for path in ("/api/console/pause", "/admin/users", "/login"):
            response = await console_client.post(path, data=body,
                                                 headers={"Content-Type": content_type})
            status, _ = await checked(response, f"{path} {content_type}")
            assert status in (400, 403), (path, content_type, status)
        for path in ("/admin/import", "/admin/documents", "/admin/messages/out_of_hours"):
            response = await console_client.post(path, data=body, headers={  # streamed uploads
                "Content-Type": content_type, "X-CSRF-Token": csrf})
            status, _ = await checked(response, f"upload {path} {content_type}")
            assert status == 400, (path, content_type, status)


@settings(max_examples=30, deadline=timedelta(seconds=5), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(fields=st.lists(st.tuples(st.sampled_from(["csrf", "login", "password", "x"]), texts),
                       max_size=5),
       with_token=st.booleans(), as_multipart=st.booleans())
async def test_the_login_form_under_hostile_input(
        client: TestClient, backend: Any, clock: Clock, fields: list[tuple[str, str]],
        with_token: bool, as_multipart: bool) -> None:
    """Random logins (never a real account's password): 400/401/403/429, never a 500, and the
    page escapes what was typed."""
    backend.throttle = AddressThrottle(backend.policy)  # the fuzz would trip it at once
    token = await login_form_token(client)
    pairs = ([("csrf", token)] if with_token else []) + fields
    if as_multipart:
        body = boundary_body([(k, v, None, "") for k, v in pairs], "fuzzbound")
        content_type = "multipart/form-data; boundary=fuzzbound"
    else:
        body, content_type = urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    response = await client.post("/login", data=body, allow_redirects=False,
                                 headers={"Content-Type": content_type})
    status, _ = await checked(response, "POST /login")
    assert status in (302, 400, 401, 403, 429)
    clock.advance(1)


async def test_the_session_routes_under_hostile_bodies(client: TestClient, clock: Clock
                                                       ) -> None:
    """Locking, unlocking, the password change and logout with broken or hostile bodies
    (logged in again whenever one of them ended or locked the session)."""
    hostile_bodies: list[tuple[bytes, str]] = [
        (b"x", "multipart/form-data"), (b"[" * 5000, "application/json"),
        (urlencode({"password": INJECTIONS[0], "current": "x" * 5000, "new": INJECTIONS[3],
                    "repeat": INJECTIONS[3]}).encode(), "application/x-www-form-urlencoded"),
        (b"\xff\xfe", "application/x-www-form-urlencoded; charset=nope"),
        (json.dumps({"password": [PASSWORD]}).encode(), "application/json"),
    ]
    session = Users({"op2": client}, {"op2": await login(client, "op2")}, {}, clock)
    for path in ("/unlock", "/password", "/lock", "/logout"):
        for n, (body, content_type) in enumerate(hostile_bodies):
            await session.ensure("op2")  # logged in again after a lock or a logout
            accept = ("application/json", "text/html")[n % 2]
            response = await client.post(path, data=body, allow_redirects=False, headers={
                "Content-Type": content_type, "X-CSRF-Token": session.csrf["op2"],
                "Accept": accept})
            status, _ = await checked(response, f"POST {path}")
            assert status in (200, 302, 400, 401, 403, 423), (path, status)


# --- path traversal -------------------------------------------------------------------------

INSIDE, OUTSIDE = b"inside the outbox", b"SECRET-OUTSIDE"
SEGMENTS = ("..", ".", "%2e%2e", "%252e%252e", "..%2f", "..%5c", "....", "", "~", "report.csv",
            "secret.txt", "dialer.toml", "link.csv", "sub", "var", "outbox", "etc", "passwd",
            "\x00", "%00", "report.csv%00.txt", "ＲＥＰＯＲＴ.csv", "..;", "*")
traversals = st.one_of(
    st.lists(st.tuples(st.sampled_from(SEGMENTS), st.sampled_from(["/", "\\", "//", "/./"])),
             min_size=1, max_size=6).map(lambda parts: "".join(s + sep for s, sep in parts)
                                         .rstrip("/\\")),
    st.sampled_from(["/etc/passwd", "report.csv", "sub/report.csv", "link.csv",
                     "../../secret.txt", "../../dialer.toml", "..\\..\\secret.txt"]),
)


@pytest.fixture
def outbox(settings: Settings, tmp_path: Path) -> Path:
    """An outbox with a report (and one in a folder), a link leading out of it, and a secret
    beside the configuration."""
    box = settings.paths.outbox_dir
    (box / "sub").mkdir(parents=True)
    (box / "report.csv").write_bytes(INSIDE)
    (box / "sub" / "report.csv").write_bytes(INSIDE)
    (tmp_path / "secret.txt").write_bytes(OUTSIDE)
    settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.paths.data_dir / "secret.txt").write_bytes(OUTSIDE)
    (box / "link.csv").symlink_to(tmp_path / "secret.txt")
    return box


@pytest.fixture
async def manager(client: TestClient, outbox: Path) -> TestClient:
    await login(client, "kanri")
    return client


@settings(max_examples=120, deadline=timedelta(seconds=5), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(name=traversals, raw=st.booleans())
async def test_report_downloads_never_leave_the_outbox(
        manager: TestClient, name: str, raw: bool) -> None:
    client = manager
    query = "name=" + (name if raw else quote(name, safe=""))
    response = await client.get(f"/admin/reports/download?{query}", allow_redirects=False)
    body = await response.read()
    assert OUTSIDE not in body and b"[database]" not in body and b"root:" not in body
    status, _ = await checked(response, f"download {name!r}")
    assert status in (200, 400, 404), status
    if status == 200:
        assert body == INSIDE


async def raw_get(client: TestClient, target: str) -> tuple[int, bytes]:
    """GET ``target`` exactly as written (no client-side normalisation of ``..``)."""
    import asyncio

    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {client.host}:{client.port}\r\n"
                     "Connection: close\r\n\r\n".encode("latin-1"))
        answer = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


static_paths = st.lists(st.sampled_from((
    "..", "%2e%2e", "%2E%2e", ".%2e", "%252e%252e", "..%2f..", "..%5c..", "..\\..", "", ".",
    "console.js", "agent_ui", "app.py", "dialer", "config.py", "templates", "base.html",
    "%00", "etc", "passwd", "..;", "%c0%ae%c0%ae")), min_size=1, max_size=7).map("/".join)


@settings(max_examples=120, deadline=timedelta(seconds=5), derandomize=True, phases=NO_SHRINK,
          suppress_health_check=FUZZ_CHECKS)
@given(path=static_paths)
async def test_static_files_never_leave_their_folder(client: TestClient, path: str) -> None:
    status, body = await raw_get(client, "/static/" + path)
    assert status != 500 and status in (200, 301, 302, 304, 400, 403, 404), (path, status)
    for secret in (b"from __future__", b"\ndef ", b"{% ", b"root:", b"[database]"):
        assert secret not in body, (path, secret)
