"""The console app as the fuzz tests drive it: every account logged in at once (one client
each, sharing the server), residents with hostile data imported, and the checks every answer
must pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from agent_ui.security import COOKIE, SESSIONS
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import User
from dialer.config import Settings
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.fuzz.hostile import INJECTIONS, SCRIPT, leaks, shows_a_number
from tests.component.intake.files import HEADER, write_csv
from tests.component.web.conftest import ACCOUNTS
from tests.component.web.kit import Clock, login

# Residents whose data is itself an attack; their names and numbers must never show in an
# error answer, and no page may carry their markup unescaped.
HOSTILE_ROWS = [
    ["H001", SCRIPT, "<b>ｶﾅ</b>", "011-222-3333", "090-1111-2222", "R5", "<i>1</i>", "R5.4.30",
     "1000"],
    ["H002", "'); DROP TABLE targets;--", "", "011-555-6666", "", "R5", "1", "R5.4.30", "2000"],
    ["H003", "<img src=x onerror=alert(1)>", "", "080-3333-4444", "", "R5", "1", "R5.4.30",
     "3000"],
    ["H004", "=cmd|' /C calc'!A0", "", "070-5555-6666", "", "R5", "1", "R5.4.30", "4000"],
    ["<svg onload=alert(1)>", "函館　花子", "", "0138-22-1234", "", "R5", "1", "R5.4.30", "5"],
]
RESIDENT_NAMES = [row[1] for row in HOSTILE_ROWS]
RESIDENT_NUMBERS = {"0112223333", "09011112222", "0115556666", "08033334444", "07055556666",
                    "0138221234"}
MARKUP = tuple(s for s in INJECTIONS if "<" in s)  # must never come back unescaped in HTML


async def import_hostile_residents(database: Database, settings: Settings, folder: Path,
                                   name: str = "hoikuryo_hostile.csv") -> int:
    """One batch of the residents above (CP932, as the city sends it); its id."""
    path = write_csv(folder / name, HOSTILE_ROWS, encoding="cp932", header=HEADER)
    result = await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-01"))
    assert result.imported == len(HOSTILE_ROWS)
    return result.batch


@dataclasses.dataclass
class Users:
    """One logged-in client per account, all on the same server."""

    clients: dict[str, TestClient]
    csrf: dict[str, str]
    ids: dict[str, int]
    clock: Clock

    async def ensure(self, user: str) -> None:
        """Log ``user`` in again if a request ended, locked or expired their session."""
        client = self.clients[user]
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/")).get(COOKIE)
        session = client.app[SESSIONS].get(cookie.value if cookie else None)
        if session is not None and not session.locked and not session.must_change:
            return
        self.clock.advance(3600)  # past any lockout or login throttle a request caused
        self.csrf[user] = await login(client, user)

    async def close(self) -> None:
        """The first client's server closes with the last client (each close closes it)."""
        for client in reversed(self.clients.values()):
            await client.close()


async def log_in_everyone(client: TestClient, database: Database, clock: Clock) -> Users:
    clients = {user: client if i == 0 else TestClient(client.server)
               for i, user in enumerate(sorted(ACCOUNTS))}
    csrf = {user: await login(c, user) for user, c in clients.items()}
    async with database.engine.connect() as conn:
        ids = {login_: uid for uid, login_ in await conn.execute(select(User.id, User.login))}
    return Users(clients, csrf, ids, clock)


async def checked(response: ClientResponse, what: str) -> tuple[int, str]:
    """The answer's status and text, after the checks every answer must pass: never a server
    error (503 for a part that is not running is fine), no stack trace or server path, no
    resident's data in an error, no hostile markup unescaped in a page."""
    body = (await response.read()).decode("utf-8", errors="replace")
    status = response.status
    assert status < 500 or status == 503, f"{what}: {status} {body[:300]}"
    sign = leaks(body)
    assert sign is None, f"{what}: {status} shows {sign!r}: {body[:300]}"
    if status >= 400:
        number = shows_a_number(body, RESIDENT_NUMBERS)
        assert number is None, f"{what}: an error shows the number {number}"
        named = [n for n in RESIDENT_NAMES if n in body]
        assert not named, f"{what}: an error shows the resident {named}"
    if response.content_type == "text/html":
        raw = [m for m in MARKUP if m in body]
        assert not raw, f"{what}: unescaped markup {raw} in the page"
    return status, body
