"""Hostile data on its way to the screens (issue #12): residents whose name, kana, 管理番号 and
期別 are markup or SQL, imported through the admin upload; an operator account, a pause reason,
an emergency text and a call note typed as markup. The data arrives intact where it belongs
(the screen-pop over the websocket and in JSON, the database) and every HTML page — admin,
board, status, console — shows it escaped, never as markup; the browser's scripts never insert
HTML.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text

from agent_ui.app import HERE, create_app
from agent_ui.keys import Backend
from agent_ui.security import ACCESS
from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Target, TargetPhone
from dialer.config import Settings
from dialer.domain.attempt import Attempt, Phase
from dialer.domain.attempt_store import Candidate
from dialer.domain.call_events import ChannelBridged, ChannelHungUp
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import CampaignRunner, InFlight
from dialer.services.console.operator_console import OperatorConsole
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.sessions import OperatorSessions
from dialer.services.supervision.board import BoardSource
from tests.component.fuzz.hostile import SCRIPT
from tests.component.fuzz.web_kit import (
    HOSTILE_ROWS,
    MARKUP,
    Users,
    checked,
    import_hostile_residents,
    log_in_everyone,
)
from tests.component.intake.files import HEADER, csv_bytes
from tests.component.web.admin_kit import post_form, upload
from tests.component.web.kit import Clock
from tests.support.attempts import placed
from tests.support.console_client import record_shown
from tests.support.web_parts import service_parts

NOTE = "<script>alert('note')</script>'); DROP TABLE call_notes;--"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@dataclasses.dataclass
class Centre:
    users: Users
    pool: OperatorPool
    runner: CampaignRunner
    store: DbAttemptStore
    database: Database


@pytest.fixture
async def centre(backend: Backend, settings: Settings, database: Database, clock: Clock
                 ) -> AsyncIterator[Centre]:
    """The console and the board on one pool, as the service builds them (no Asterisk)."""
    link = AmiLink(settings.ami)  # never connected
    pool = OperatorPool()
    store = DbAttemptStore(database, settings.classification, settings.tz)
    runner = CampaignRunner(link, store, pool, lambda: config.calendar(settings),
                            settings.classification, settings.centre.dedicated_number, clock)
    console = OperatorConsole(database, pool, OperatorSessions(link, pool, clock), runner,
                              store, lambda _call: (), lambda: settings, clock, backend.hub)
    board = BoardSource(database, pool, runner, InboundTracker(),
                        lambda: settings.classification, clock, settings=lambda: settings,
                        ami_connected=lambda: False)
    parts = await service_parts(settings, database, clock, link=link, pool=pool, runner=runner,
                                board=board, console=console)
    client = TestClient(TestServer(parts.attach(create_app(dataclasses.replace(
        backend, console=console, board=board)))))
    await client.start_server()
    pushing = asyncio.create_task(console.run())
    users = await log_in_everyone(client, database, clock)
    try:
        yield Centre(users, pool, runner, store, database)
    finally:
        pushing.cancel()
        await asyncio.gather(pushing, return_exceptions=True)
        await users.close()


async def first_number(database: Database, ref: str) -> Candidate:
    async with database.engine.connect() as conn:
        target_id, batch_id, number = (await conn.execute(
            select(Target.id, Target.batch_id, TargetPhone.number)
            .join(TargetPhone, TargetPhone.target_id == Target.id)
            .where(Target.ref == ref).order_by(Target.id.desc(), TargetPhone.position)
            .limit(1))).one()
    return Candidate(batch_id, target_id, 0, number)


async def bridge(centre: Centre, user_id: int, candidate: Candidate, attempt_id: str) -> None:
    """A call to ``candidate`` reaches the operator (as the AMI's BridgeEnter does it)."""
    now = centre.users.clock()
    await placed(centre.database, attempt_id, candidate, user_id, now)  # twice: same resident
    centre.pool.reserve(user_id, attempt_id, now)
    centre.runner.in_flight[attempt_id] = InFlight(Attempt(attempt_id, phase=Phase.ANSWERED),
                                                   candidate.number, user_id, now)
    await centre.runner.handle(ChannelBridged(attempt_id))


async def pop_frame(ws: Any, call_id: str) -> dict[str, Any]:
    """The first frame showing the record of ``call_id`` (earlier pushes are skipped)."""
    while True:
        frame = json.loads((await ws.receive(timeout=5)).data)
        if record_shown(frame) and frame["call"]["id"] == call_id:
            return dict(frame)


async def test_hostile_data_reaches_every_screen_intact_and_escaped(
        centre: Centre, settings: Settings, tmp_path: Path) -> None:
    # `dialer import` keeps the file's own name: one that is markup, shown on the import page
    await import_hostile_residents(centre.database, settings, tmp_path,
                                   "hoikuryo_<img src=x onerror=alert(1)>.csv")
    users = centre.users
    kanri, sysadm, op1 = (users.clients[u] for u in ("kanri", "sysadm", "op1"))
    op_id, now = users.ids["op1"], users.clock()

    # the city's file, uploaded by a manager under a hostile file name
    data = csv_bytes(HOSTILE_ROWS, "cp932", HEADER)
    status, page = await upload(kanri, "/admin/import", users.csrf["kanri"],
                                {"debt_type": "hoikuryo", "month": "2027-01", "encoding": "",
                                 "force": "on"},
                                f"hoikuryo_{SCRIPT}.csv", data)
    assert status == 200, page
    assert not [m for m in MARKUP if m in page]
    # an operator account whose display name is markup
    status, page, _ = await post_form(sysadm, "/admin/users", users.csrf["sysadm"],
                                      login="evil01", display_name=SCRIPT, role="operator")
    assert status == 200 and ESCAPED in page and SCRIPT not in page

    # op1 on a seat; the hostile resident's calls reach them
    centre.pool.add(op_id, "op1", "seat01")
    centre.pool.connect(op_id, "PJSIP/seat01-0001", now)
    ws = await op1.ws_connect("/ws/console")
    try:
        await calls_with_hostile_data(centre, ws)
    finally:
        await ws.close()
    async with centre.database.engine.connect() as conn:  # stored as text, tables all there
        assert (await conn.execute(text("SELECT count(*) FROM targets"))).scalar_one() >= 5

    # every page, for everyone who may see it: escaped, and the board's JSON is JSON
    await visit_every_page(users)
    board = await kanri.get("/api/board")
    assert board.status == 200 and board.content_type == "application/json"
    assert (await board.json())["type"] == "board"  # JSON: board.js shows it as text
    users_page = await (await sysadm.get("/admin/users")).text()
    assert ESCAPED in users_page


async def calls_with_hostile_data(centre: Centre, ws: Any) -> None:
    """Two calls of the hostile resident to op1: the screen-pop, an emergency, a note, a pause
    reason, and the note shown again at the next call."""
    users, op1, op_id = centre.users, centre.users.clients["op1"], centre.users.ids["op1"]
    resident = await first_number(centre.database, "H001")
    await bridge(centre, op_id, resident, "att-hostile-1")
    record = (await pop_frame(ws, "att-hostile-1"))["call"]["record"]
    assert record["name"] == SCRIPT and record["kana"] == "<b>カナ</b>"
    shown = await op1.get("/api/console")
    assert shown.content_type == "application/json"
    assert (await shown.json())["call"]["record"]["name"] == SCRIPT

    # during the call: an emergency with a hostile text; after it, a hostile note
    headers = {"X-CSRF-Token": users.csrf["op1"]}
    response = await op1.post("/api/console/emergency", headers=headers, json={
        "reason": "other", "consent": "not_asked", "text": SCRIPT})
    assert (await checked(response, "emergency"))[0] == 200
    await centre.runner.handle(ChannelHungUp("att-hostile-1", 16))
    response = await op1.post("/api/console/result", headers=headers,
                              json={"code": "101", "note": NOTE,
                                    "account_transfer": "recommended"})
    assert (await checked(response, "result"))[0] == 200, await response.text()
    response = await op1.post("/api/console/pause", headers=headers, json={"reason": SCRIPT})
    assert (await checked(response, "pause"))[0] == 200
    assert centre.pool.get(op_id).pause_reason == SCRIPT  # as typed (the board shows it)

    # the same resident again: the previous call's note comes back verbatim
    users.clock.advance(60)
    centre.pool.resume(op_id, users.clock())
    await bridge(centre, op_id, resident, "att-hostile-2")
    record = (await pop_frame(ws, "att-hostile-2"))["call"]["record"]
    assert NOTE in json.dumps(record, ensure_ascii=False)


async def visit_every_page(users: Users) -> None:
    """GET every declared page without a path parameter (and the documents' and imports' own
    pages), as every account; the checks of ``checked`` on each answer."""
    pages = sorted(p for (m, p), _a in users.clients["kanri"].app[ACCESS].items()
                   if m == "GET" and "{" not in p and not p.startswith("/ws/"))
    for user, client in users.clients.items():
        await users.ensure(user)
        for path in pages:
            response = await client.get(path, headers={"Accept": "text/html"},
                                        allow_redirects=False)
            await checked(response, f"{user} GET {path}")


def test_the_browser_scripts_never_insert_html() -> None:
    """Data from the JSON answers and websockets goes into the page as text: no script of the
    console builds HTML from strings (innerHTML and the like), so markup in a resident's name
    stays text on the screen."""
    sink = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|"
                      r"\.html\(|createContextualFragment")
    scripts = sorted((HERE / "static").glob("*.js"))
    assert scripts
    found = [f"{s.name}:{n}" for s in scripts
             for n, line in enumerate(s.read_text(encoding="utf-8").splitlines(), 1)
             if sink.search(line)]
    assert not found, found


def test_templates_never_switch_escaping_off() -> None:
    """Every page is rendered with autoescape; no template marks data as safe."""
    unsafe = re.compile(r"\|\s*safe\b|autoescape\s+false|Markup\(")
    found = [f"{t.relative_to(HERE)}:{n}" for t in sorted((HERE / "templates").rglob("*.html"))
             for n, line in enumerate(t.read_text(encoding="utf-8").splitlines(), 1)
             if unsafe.search(line)]
    assert not found, found

