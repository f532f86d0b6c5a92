"""The live supervisor board: its figures against an independent count of the same rows, the
websocket pushes, the emergency banner's messages, who may see it, and listen-in."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientWebSocketResponse, WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert, select, update

from agent_ui.app import create_app
from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink, Originate, originate_headers
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import (
    Attempt,
    AuditEntry,
    Batch,
    CallNote,
    Emergency,
    Exclusion,
    Target,
    User,
)
from dialer.config import Settings
from dialer.domain.calendar import Suspension
from dialer.domain.inbound import InboundCall
from dialer.domain.outcomes import Classification
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.line_budget import LineBudget, line_policy
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.supervision.board import Board, BoardSource, board_message, publish_board
from dialer.services.supervision.board_alerts import emergency_alert
from dialer.services.supervision.listen_in import CHANSPY_OPTIONS, FORBIDDEN_OPTIONS, Listener
from recordings_policy.emergency import EmergencyFlag
from tests.component.conftest import config_text
from tests.component.web.kit import Clock, login
from tests.support.web_parts import service_parts

TOKYO = ZoneInfo("Asia/Tokyo")
TABLE = Classification()
PERIOD = """
[[seats]]
name = "seat01"
contact = "sip:seat01@127.0.0.1:5999"
[[seats]]
name = "seat02"
contact = "sip:seat02@127.0.0.1:5999"
[[seats]]
name = "kanri01"
contact = "sip:kanri01@127.0.0.1:5999"

[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
"""
pytestmark = pytest.mark.db_tier  # the board's figures are SQL: on SQLite and PostgreSQL

# The clock fixture: 2027-01-12 03:00 UTC = 12:00 in Tokyo, a Tuesday, inside 11:30-13:30.
DAY_START = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(config_text(database_url) + PERIOD, encoding="utf-8")
    return path


@dataclass
class Row:
    id: str
    debt_type: str
    direction: str
    code: str | None
    at: datetime
    noted: bool = False  # a call note flagged as an escalation
    batch_id: int = 0
    target_id: int = 0


@dataclass
class Centre:
    batches: dict[int, str]  # id -> debt type
    open_batches: list[int]
    targets: dict[int, list[int]]  # batch -> target ids
    rows: list[Row]
    users: dict[str, int]


async def _ids(database: Database) -> dict[str, int]:
    async with database.engine.connect() as conn:
        return {login: uid for uid, login in await conn.execute(select(User.id, User.login))}


async def make_centre(database: Database, now: datetime, seed: int = 7, n: int = 700) -> Centre:
    rnd = random.Random(seed)
    users = await _ids(database)
    batches: dict[int, str] = {}
    targets: dict[int, list[int]] = {}
    async with database.engine.begin() as conn:
        for debt_type in ("hoikuryo", "kyushoku", "hoikuryo"):
            batch_id = (await conn.execute(insert(Batch).values(
                debt_type=debt_type, month="2027-01", source_name="f.csv",
                sha256=f"{len(batches)}" * 64, encoding="cp932", imported_by="kanri")
                .returning(Batch.id))).scalar_one()
            batches[batch_id] = debt_type
            ids = []
            for i in range(40):
                ids.append((await conn.execute(insert(Target).values(
                    batch_id=batch_id, ref=f"R{i:03d}", name="テスト", source_row=i + 2)
                    .returning(Target.id))).scalar_one())
            targets[batch_id] = ids
        b1, b2, _b3 = batches
        # done and excluded targets are not in play; assignment of the first batch
        await conn.execute(update(Target).where(Target.id.in_(targets[b1][:6])).values(done=True))
        await conn.execute(update(Target).where(Target.id.in_(targets[b2][:3])).values(done=True))
        for tid in (targets[b1][10], targets[b2][20]):
            await conn.execute(insert(Exclusion).values(target_id=tid, reason="paid",
                                                        source="manual", created_by="kanri"))
        await conn.execute(update(Target).where(Target.id.in_(targets[b1][:15]))
                           .values(assigned_to=users["op1"]))
        await conn.execute(update(Target).where(Target.id.in_(targets[b1][15:22]))
                           .values(assigned_to=users["op2"]))
        codes = [c.code for c in TABLE.codes]
        rows = []
        span = int((now - (DAY_START - timedelta(hours=8))).total_seconds())
        for i in range(n):
            batch_id = rnd.choice(list(batches))
            at = DAY_START - timedelta(hours=8) + timedelta(seconds=rnd.randrange(span))
            code = None if rnd.random() < 0.05 else rnd.choice(codes)
            rows.append(Row(f"a{i}", batches[batch_id], "in" if rnd.random() < 0.1 else "out",
                            code, at, code is not None and rnd.random() < 0.15, batch_id))
        # the day's edges: exactly local midnight counts, a microsecond before does not
        rows.append(Row("edge-in", "kyushoku", "out", "101", DAY_START, batch_id=b2))
        rows.append(Row("edge-out", "kyushoku", "out", "101",
                        DAY_START - timedelta(microseconds=1), batch_id=b2))
        for row in rows:
            batch_id = row.batch_id
            target_id = rnd.choice(targets[batch_id])
            row.target_id = target_id
            await conn.execute(insert(Attempt).values(
                id=row.id, batch_id=batch_id, target_id=target_id, phase="done",
                created_at=row.at, result_code=row.code, result_at=row.at if row.code else None,
                direction=row.direction))
            if row.code is not None and (row.noted or rnd.random() < 0.1):
                await conn.execute(insert(CallNote).values(
                    attempt_id=row.id, batch_id=batch_id, target_id=target_id,
                    result_code=row.code, escalation=row.noted, at=row.at))
        await conn.execute(insert(Emergency).values(call_id="a1", flagged_by="op1",
                                                    at=now - timedelta(minutes=10),
                                                    reason="threat", consent="not_asked",
                                                    reason_text="名前を含むかもしれない文"))
        await conn.execute(insert(Emergency).values(call_id="a2", flagged_by="op2",
                                                    at=now - timedelta(hours=2),
                                                    reason="danger", consent="granted"))
    return Centre(batches, [b1, b2], targets, rows, users)


def expected_per_debt_type(rows: list[Row]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = {}
    for r in rows:
        if r.code is None or not (DAY_START <= r.at < DAY_END):
            continue
        c = out.setdefault(r.debt_type, Counter())
        code = TABLE.get(r.code)
        if r.direction == "out":
            c["calls"] += 1
            c["contacts"] += code.contact
        else:
            c["callbacks"] += 1
        c["promises"] += r.code == "101"
        c["escalations"] += code.escalation or r.noted
    return {d: {k: c[k] for k in ("calls", "contacts", "promises", "escalations", "callbacks")}
            for d, c in out.items()}


def expected_persons(centre: Centre) -> dict[str, Any]:
    """Target by target: who was reached (a contact code, either direction) by the day's end,
    who first today; the excluded targets apart."""
    excluded = {centre.targets[b][i] for b, i in zip(centre.open_batches, (10, 20), strict=True)}
    firsts: dict[int, datetime] = {}
    contacts: Counter[int] = Counter()
    called: set[int] = set()
    for r in centre.rows:
        if r.code is None or r.at >= DAY_END:
            continue
        called.add(r.target_id)
        if TABLE.get(r.code).contact:
            contacts[r.target_id] += 1
            firsts[r.target_id] = min(firsts.get(r.target_id, r.at), r.at)
    reached = {t for t in firsts if t not in excluded}
    return {"reached": len(reached), "reached_ids": reached,
            "new": sum(firsts[t] >= DAY_START for t in reached),
            "twice": sum(n >= 2 for n in contacts.values()),
            "never": len(called - set(contacts)),
            "excluded_reached": len(excluded & set(firsts))}


def expected_per_hour(rows: list[Row]) -> dict[int, tuple[int, int]]:
    calls: Counter[int] = Counter()
    contacts: Counter[int] = Counter()
    for r in rows:
        if r.code is None or r.direction != "out" or not (DAY_START <= r.at < DAY_END):
            continue
        hour = r.at.astimezone(TOKYO).hour
        calls[hour] += 1
        contacts[hour] += TABLE.get(r.code).contact
    return {h: (calls[h], contacts[h]) for h in calls}


@dataclass
class Parts:
    source: BoardSource
    pool: OperatorPool
    runner: CampaignRunner
    inbound: InboundTracker
    link: AmiLink
    ami_up: list[bool]


def make_parts(settings: Settings, database: Database, clock: Clock,
               kind: type[BoardSource] = BoardSource) -> Parts:
    pool, inbound, link = OperatorPool(), InboundTracker(), AmiLink(settings.ami)
    store = DbAttemptStore(database, settings.classification, settings.tz)
    runner = CampaignRunner(link, store, pool, lambda: config.calendar(settings),
                            settings.classification, settings.centre.dedicated_number, clock)
    up = [True]
    source = kind(database, pool, runner, inbound, lambda: settings.classification,
                  clock, settings=lambda: settings, ami_connected=lambda: up[0],
                  wall=lambda: clock().timestamp())
    return Parts(source, pool, runner, inbound, link, up)


@contextlib.asynccontextmanager
async def board_client(backend: Backend, parts: Parts, listener: Listener | None = None
                       ) -> AsyncIterator[TestClient]:
    app = create_app(dataclasses.replace(backend, board=parts.source))
    service = await service_parts(backend.settings(), backend.db(), backend.clock,
                                  link=parts.link, pool=parts.pool, runner=parts.runner,
                                  board=parts.source, listener=listener)
    client = TestClient(TestServer(service.attach(app)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_the_board_figures_match_an_independent_count(
        settings: Settings, database: Database, clock: Clock, backend: Backend) -> None:
    now = clock()
    centre = await make_centre(database, now)
    parts = make_parts(settings, database, clock)
    b1, b2 = centre.open_batches
    parts.runner.open(Campaign(b1, "hoikuryo"))
    parts.runner.open(Campaign(b2, "kyushoku"))
    op1, op2 = centre.users["op1"], centre.users["op2"]
    parts.pool.add(op1, "op1", "seat01")
    parts.pool.connect(op1, "PJSIP/seat01-00000001", now - timedelta(minutes=5))
    parts.pool.reserve(op1, "a3", now - timedelta(minutes=2))
    parts.pool.bridged("a3", now - timedelta(seconds=95))
    parts.pool.add(op2, "op2", "seat02")
    parts.pool.connect(op2, "PJSIP/seat02-00000002", now - timedelta(minutes=30))
    parts.pool.pause(op2, "休憩", now - timedelta(minutes=3))
    wall = now.timestamp()
    parts.inbound.calls = {
        "w1": InboundCall("w1", wall - 60, queued_at=wall - 42),
        "w2": InboundCall("w2", wall - 20, queued_at=wall - 10),
        "m1": InboundCall("m1", DAY_START.timestamp() + 60, message="out_of_hours",
                          ended_at=DAY_START.timestamp() + 70),
    }

    parts.runner.line_budget = LineBudget(lambda: line_policy(settings),
                                          lambda: parts.inbound.calls.values(), lambda: wall)

    async with board_client(backend, parts) as client:
        await login(client, "kanri")
        response = await client.get("/api/board")
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        board = await response.json()
        page = await client.get("/board")
        html = await page.text()
        status = await (await client.get("/status")).text()

    assert page.status == 200 and 'src="/static/board.js"' in html and "<script>" not in html
    assert "style=" not in html
    # per debt type, today
    expected = expected_per_debt_type(centre.rows)
    keys = ("calls", "contacts", "promises", "escalations", "callbacks")
    got = {r["debt_type"]: {k: r[k] for k in keys} for r in board["debt_types"]}
    configured = [d.code for d in settings.debt_types]
    assert list(got) == configured  # every debt type, in the configured order
    assert got == {d: expected.get(d, dict.fromkeys(keys, 0)) for d in configured}
    for row in board["debt_types"]:  # 接触件数率: secondary, no target
        rate = row["contacts"] / row["calls"] if row["calls"] else 0.0
        assert row["contact_rate"] == pytest.approx(rate, abs=1e-4)
        assert "below_target" not in row
    # 対象者接触率, the headline: the lists in play (all three: the period covers the day),
    # counted target by target from the rows (reached twice: once; excluded: apart)
    people = expected_persons(centre)
    assert people["twice"] and people["never"] and people["excluded_reached"]
    persons = board["persons"]
    listed = 3 * 40 - 2
    assert (persons["targets"], persons["excluded"], persons["listed"]) == (120, 2, listed)
    assert (persons["contacted"], persons["new_today"]) == (people["reached"], people["new"])
    assert persons["person_contact_rate"] == pytest.approx(people["reached"] / listed, abs=1e-4)
    assert persons["below_target"] == (people["reached"] / listed < 0.7)
    by_debt = {r["debt_type"]: r["persons"] for r in board["debt_types"]}
    assert by_debt["hoikuryo"]["contacted"] + by_debt["kyushoku"]["contacted"] == \
        people["reached"]
    assert by_debt["kyushoku"]["listed"] == 39 and by_debt["yakan"]["listed"] == 0
    # the projection: hoikuryo's calling period 2027-01-04..29 has 6 weekdays and a Saturday
    # and Sunday up to the 12th (a holiday, 成人の日 on the 11th, is a weekend day): 9 days so far
    # and 17 left; kyushoku has no period, so only hoikuryo's lists are projected
    projected = persons["projection"]
    assert (projected["calling_days_done"], projected["calling_days_left"]) == (9, 17)
    hoiku = [b for b, d in centre.batches.items() if d == "hoikuryo"]
    reached = sum(1 for t in people["reached_ids"] if any(t in centre.targets[b] for b in hoiku))
    listed_h = 2 * 40 - 1
    expected_more = min(listed_h - reached, reached * 17 // 9)
    assert projected["contacted"] == reached + expected_more
    assert '対象者接触率' in html and '接触件数率' in html
    in_play = {r["debt_type"]: r["in_play"] for r in board["debt_types"]}
    assert {d: n for d, n in in_play.items() if n} == {  # batch 3 is not open
        "hoikuryo": 40 - 6 - 1, "kyushoku": 40 - 3 - 1}
    # totals (the status page's figures too) and per hour
    calls = sum(v["calls"] for v in expected.values())
    contacts = sum(v["contacts"] for v in expected.values())
    assert (board["totals"]["calls"], board["totals"]["contacts"]) == (calls, contacts)
    assert board["totals"]["contact_rate"] == pytest.approx(contacts / calls, abs=1e-4)
    assert sum(r["count"] for r in board["results"]) == calls
    assert f"架電 {calls} 件" in status
    hours = {h["hour"]: (h["calls"], h["contacts"]) for h in board["hours"] if h["calls"]}
    assert hours == expected_per_hour(centre.rows)
    assert [h["hour"] for h in board["hours"]] == list(range(24))
    # operators, time in state
    ops = {o["login"]: o for o in board["operators"]}
    assert (ops["op1"]["state"], ops["op1"]["in_state_s"], ops["op1"]["seat"]) == (
        "on_call", 95, "seat01")
    assert (ops["op2"]["state"], ops["op2"]["pause_reason"], ops["op2"]["in_state_s"]) == (
        "paused", "休憩", 180)
    # the callback line
    inbound = board["inbound"]
    assert (inbound["waiting_now"], inbound["longest_waiting_now_s"]) == (2, 42.0)
    assert (inbound["received"], inbound["out_of_hours"]) == (3, 1)
    # the trunk: the two waiting callers hold lines; the reserve is the minimum (80 line-s)
    assert board["lines"] == {
        "max_lines": 30, "outbound": 0, "callbacks_waiting": 2, "callbacks_talking": 0,
        "in_use": 2, "reserve": 2, "free": 28, "outbound_cap": 28,
        "callback_erlangs": round(80 / 3600, 3)}
    assert "回線" in html and "折返し用予約" in html
    # campaigns: hoikuryo has a calling period and the window is open; kyushoku has none
    states = {c["batch_id"]: c for c in board["campaigns"]}
    assert states[b1]["state"] == "running"
    assert datetime.fromisoformat(states[b1]["until"]) == datetime(2027, 1, 12, 13, 30,
                                                                   tzinfo=TOKYO)
    assert (states[b2]["state"], states[b2]["until"]) == ("window_closed", None)
    # assignment of the open batches
    shares = {a["batch_id"]: a for a in board["assignments"]}
    assert [(s["operator"], s["targets"], s["remaining"]) for s in shares[b1]["operators"]] == [
        ("op1", 15, 9), ("op2", 7, 7)]
    assert (shares[b1]["unassigned"], shares[b2]["unassigned"]) == (18, 40)
    assert shares[b2]["unassigned_remaining"] == 37
    # emergencies of the last hour, without their free text
    assert [(e["call_id"], e["by"], e["reason"]) for e in board["emergencies"]] == [
        ("a1", "op1", "threat")]
    assert "名前" not in json.dumps(board, ensure_ascii=False)


async def test_campaign_states_follow_suspension_and_asterisk(
        settings: Settings, database: Database, clock: Clock,
        accounts_ready: dict[str, str]) -> None:
    centre = await make_centre(database, clock(), n=10)
    parts = make_parts(settings, database, clock)
    b1, b2 = centre.open_batches
    parts.runner.open(Campaign(b1, "hoikuryo"))
    parts.runner.open(Campaign(b2, "kyushoku"))
    parts.runner.suspension = Suspension(debt_types=frozenset({"hoikuryo"}))
    board = await parts.source()
    assert [str(c.state) for c in board.campaign_states] == ["suspended", "window_closed"]
    parts.ami_up[0] = False
    board = await parts.source()
    assert [str(c.state) for c in board.campaign_states] == ["asterisk_down"] * 2
    assert not board.asterisk_up and not board.dialing
    clock.now = datetime(2027, 1, 12, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo: between windows
    parts.ami_up[0], parts.runner.suspension = True, Suspension()
    (first, _second) = (await parts.source()).campaign_states
    assert (str(first.state), first.until) == (
        "window_closed", datetime(2027, 1, 12, 16, 30, tzinfo=TOKYO))


async def test_a_campaign_with_nothing_due_says_when_the_next_target_is(
        settings: Settings, database: Database, clock: Clock,
        accounts_ready: dict[str, str]) -> None:
    centre = await make_centre(database, clock(), n=10)
    parts = make_parts(settings, database, clock)
    source = BoardSource(database, parts.pool, parts.runner, parts.inbound,
                         lambda: settings.classification, clock, settings=lambda: settings,
                         targets_ttl_s=0)  # no cache: each step below is read again
    b1, b2 = centre.open_batches
    parts.runner.open(Campaign(b1, "hoikuryo"))
    parts.runner.open(Campaign(b2, "kyushoku"))
    later = clock() + timedelta(hours=2)
    async with database.engine.begin() as conn:
        await conn.execute(update(Target).where(Target.batch_id == b1).values(next_due_at=later))
    first, second = (await source()).campaign_states
    assert (str(first.state), first.until) == ("nothing_due", later)
    assert str(second.state) == "window_closed"  # outside its period: that is said first
    async with database.engine.begin() as conn:
        await conn.execute(update(Target).where(Target.batch_id == b1).values(done=True))
    board = await source()
    assert (str(board.campaign_states[0].state), board.campaign_states[0].until) == (
        "nothing_due", None)  # every target done
    assert not board.dialing


async def test_the_board_shows_daily_reports_missing_past_their_deadline(
        settings: Settings, database: Database, clock: Clock) -> None:
    overdue: list[date | None] = [None]
    parts = make_parts(settings, database, clock)
    source = BoardSource(database, parts.pool, parts.runner, parts.inbound,
                         lambda: settings.classification, clock, settings=lambda: settings,
                         reports_overdue=lambda: overdue[0])
    assert board_message(await source())["reports_overdue"] is None
    overdue[0] = date(2027, 1, 11)
    assert board_message(await source())["reports_overdue"] == "2027-01-11"
    assert board_message(await parts.source())["reports_overdue"] is None  # none watched


async def next_message(ws: ClientWebSocketResponse, match: Callable[[dict[str, Any]], Any]
                       ) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = await ws.receive_json(timeout=5)
        if match(message):
            return message


async def test_the_websocket_pushes_the_board_and_emergency_alerts(
        settings: Settings, database: Database, clock: Clock, backend: Backend) -> None:
    parts = make_parts(settings, database, clock)
    hub = backend.hub
    publisher = asyncio.create_task(publish_board(parts.source, hub, interval_s=0.05))
    try:
        async with board_client(backend, parts) as client:
            await login(client, "kanri")
            ws = await client.ws_connect("/ws/board")
            first = await ws.receive_json(timeout=5)
            assert first["type"] == "board" and first["operators"] == []
            pushed = await ws.receive_json(timeout=5)
            assert pushed["type"] == "board"
            user_id = (await _ids(database))["op1"]
            parts.pool.add(user_id, "op1", "seat01")
            parts.pool.connect(user_id, "PJSIP/seat01-1", clock())
            message = await next_message(ws, lambda m: m["type"] == "board" and m["operators"])
            assert message["operators"][0]["state"] == "ready"
            flag = EmergencyFlag("att-123", "threat", "not_asked", "free text with a name")
            assert emergency_alert(hub, flag, "op1", clock()) == 1
            alert = await next_message(ws, lambda m: m["type"] == "emergency")
            assert alert == {"type": "emergency", "call_id": "att-123", "by": "op1",
                             "reason": "threat", "reason_label": "脅迫・威圧",
                             "at": clock().isoformat()}
            await ws.close()
    finally:
        publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher


class CountingSource(BoardSource):
    computed = 0

    async def __call__(self) -> Board:
        self.computed += 1
        return await super().__call__()


async def test_nothing_is_computed_while_nobody_watches(
        settings: Settings, database: Database, clock: Clock, backend: Backend) -> None:
    parts = make_parts(settings, database, clock, CountingSource)
    source = parts.source
    assert isinstance(source, CountingSource)
    publisher = asyncio.create_task(publish_board(source, backend.hub, interval_s=0.01))
    try:
        await asyncio.sleep(0.1)
        assert source.computed == 0
        with backend.hub.subscription("board") as queue:
            message = await asyncio.wait_for(queue.get(), 2)
        assert message["type"] == "board" and source.computed >= 1
    finally:
        publisher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await publisher


@pytest.mark.parametrize("user", ["op1", "op2"])
async def test_operators_cannot_reach_the_board(
        settings: Settings, database: Database, clock: Clock, backend: Backend,
        user: str) -> None:
    parts = make_parts(settings, database, clock)
    async with board_client(backend, parts) as client:
        csrf = await login(client, user)
        for path in ("/board", "/api/board"):
            assert (await client.get(path, headers={"Accept": "application/json"})).status == 403
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect("/ws/board")
        assert refused.value.status == 403
        response = await client.post("/api/board/listen", json={"seat": "seat01",
                                                                "phone": "kanri01"},
                                     headers={"X-CSRF-Token": csrf})
        assert response.status == 403


async def test_admins_see_the_board(settings: Settings, database: Database, clock: Clock,
                                    backend: Backend) -> None:
    parts = make_parts(settings, database, clock)
    async with board_client(backend, parts) as client:
        await login(client, "sysadm")
        assert (await client.get("/api/board")).status == 200
        assert (await client.get("/board")).status == 200


# --- listen-in ------------------------------------------------------------------------------

class FakeLink:
    """What the Listener uses of the AMI link: connected, the module check, Originate (noted
    as the action's headers)."""

    def __init__(self, chanspy_loaded: bool = True) -> None:
        self.connected = True
        self.loaded = chanspy_loaded
        self.originated: list[tuple[dict[str, Any], str]] = []

    async def module_loaded(self, module: str) -> bool:
        assert module == "app_chanspy"
        return self.loaded

    def originate(self, request: Originate, channel_id: str) -> None:
        self.originated.append((originate_headers(request, channel_id), channel_id))


async def _audit(database: Database) -> list[tuple[str, str, str, dict[str, Any]]]:
    async with database.engine.connect() as conn:
        rows = await conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.object,
                                         AuditEntry.detail).order_by(AuditEntry.id))
        return [(a, b, c, json.loads(d)) for a, b, c, d in rows if b.startswith("listen_in")]


async def test_listen_in_rings_the_managers_phone_with_a_listen_only_chanspy(
        settings: Settings, database: Database, clock: Clock, backend: Backend) -> None:
    parts = make_parts(settings, database, clock)
    link = FakeLink()
    listener = Listener(link, lambda: settings, database, parts.pool)  # type: ignore[arg-type]
    users = await _ids(database)
    now = clock()
    parts.pool.add(users["op1"], "op1", "seat01")
    parts.pool.connect(users["op1"], "PJSIP/seat01-00000001", now)
    parts.pool.add(users["op2"], "op2", "seat02")
    parts.pool.connect(users["op2"], "PJSIP/seat02-00000002", now)
    async with board_client(backend, parts, listener) as client:
        csrf = await login(client, "kanri")

        async def listen(seat: str, phone: str) -> tuple[int, dict[str, Any]]:
            response = await client.post("/api/board/listen", json={"seat": seat, "phone": phone},
                                         headers={"X-CSRF-Token": csrf})
            return response.status, await response.json()

        status, body = await listen("seat01", "kanri01")
        assert status == 409 and "not on a call" in body["error"]
        parts.pool.reserve(users["op1"], "att-42", now)
        parts.pool.bridged("att-42", now)
        for seat, phone, reason in (("seat01", "nowhere", "not a configured seat"),
                                    ("seat01", "seat01", "own seat"),
                                    ("seat01", "seat02", "in use"),
                                    ("seat02", "kanri01", "not on a call")):
            status, body = await listen(seat, phone)
            assert status == 409 and reason in body["error"], (seat, phone, body)
        assert link.originated == [] and await _audit(database) == []

        status, body = await listen("seat01", "kanri01")
        assert status == 200, body
        assert body == {"listening": {"seat": "seat01", "phone": "kanri01", "operator": "op1"}}
        ((fields, channel_id),) = link.originated
        assert fields["Channel"] == "PJSIP/kanri01"
        assert (fields["Application"], fields["Data"]) == ("ChanSpy", "att-42,qEuS")
        assert "Context" not in fields and "Exten" not in fields  # no dialplan on this call
        assert channel_id.startswith("listen-")
        assert await _audit(database) == [("kanri", "listen_in.start", "seat:seat01", {
            "phone": "kanri01", "operator": "op1", "call": "att-42", "channel": channel_id})]

        link.loaded = False
        status, body = await listen("seat01", "kanri01")
        assert status == 503 and "app_chanspy" in body["error"]
        link.connected = False
        assert (await listen("seat01", "kanri01"))[0] == 503
        assert len(link.originated) == 1 and len(await _audit(database)) == 1


async def test_listen_in_needs_asterisk(settings: Settings, database: Database,
                                       clock: Clock, backend: Backend) -> None:
    parts = make_parts(settings, database, clock)  # the service's Listener, AMI never connected
    users = await _ids(database)
    now = clock()
    parts.pool.add(users["op1"], "op1", "seat01")
    parts.pool.connect(users["op1"], "PJSIP/seat01-00000001", now)
    parts.pool.reserve(users["op1"], "att-42", now)
    parts.pool.bridged("att-42", now)
    async with board_client(backend, parts) as client:
        csrf = await login(client, "kanri")
        response = await client.post("/api/board/listen",
                                     json={"seat": "seat01", "phone": "kanri01"},
                                     headers={"X-CSRF-Token": csrf})
        assert response.status == 503
        assert "not connected" in (await response.json())["error"]
        response = await client.post("/api/board/listen", json={"seat": 3},
                                     headers={"X-CSRF-Token": csrf})
        assert response.status == 400


def test_the_chanspy_options_are_listen_only() -> None:
    assert not FORBIDDEN_OPTIONS & set(CHANSPY_OPTIONS)
    assert {"q", "E", "u"} <= set(CHANSPY_OPTIONS)
