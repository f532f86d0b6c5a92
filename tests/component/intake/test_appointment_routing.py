"""A call back agreed with a resident goes to the operator who agreed it (issue 21 §2): the
store finds who promised it and when, and the claim reserves her — or waits for her while she
is on another call, or gives it to the next free operator when she is not on shift."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from dialer.adapters.db import users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Target
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.domain.call_routing import HOLD_FOR
from dialer.domain.pacing import Decision, Mode
from dialer.services.calls.claim import claim
from dialer.services.console.operator_pool import OperatorPool
from tests.component.intake.test_attempt_store import NOW, TZ, batch_with_targets

PREDICTIVE = Decision(1, 0, Mode.PREDICTIVE, "predictive")
AT = NOW + timedelta(hours=3)


async def promised(database: Database, settings: Settings, tmp_path: Path
                   ) -> tuple[DbAttemptStore, int, int, int, int]:
    """Operator sato (her) agreed with the first target to call back at AT; all other
    targets are done, so the call back is the only call due then."""
    batch = await batch_with_targets(database, settings, tmp_path)
    async with database.engine.begin() as conn:
        her = await users.add(conn, "sato", "佐藤", "operator")
        other = await users.add(conn, "suzuki", "鈴木", "operator")
    store = DbAttemptStore(database, settings.classification, TZ)
    first = await store.next_candidate(batch, NOW, frozenset())
    assert first is not None and first.promise is None
    await store.create("att-1", first, her, NOW)
    await store.finish("att-1", Phase.WRAP_UP, "106", NOW, appointment=AT)
    n = 1
    while (rest := await store.next_candidate(batch, NOW, frozenset())) is not None:
        n += 1
        await store.create(f"att-{n}", rest, None, NOW)
        await store.finish(f"att-{n}", Phase.DONE, "101", NOW)
    return store, batch, first.target_id, her, other


def on_shift(her: int, other: int) -> OperatorPool:
    pool = OperatorPool()
    pool.add(her, "sato", "seat01")
    pool.add(other, "suzuki", "seat02")
    pool.connect(other, "PJSIP/seat02-1", NOW)  # suzuki has waited longest
    pool.connect(her, "PJSIP/seat01-1", NOW + timedelta(minutes=1))
    return pool


async def test_the_store_says_who_agreed_the_call_back_and_when(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    store, batch, target, her, _ = await promised(database, settings, tmp_path)
    assert await store.next_candidate(batch, AT - timedelta(minutes=1), frozenset()) is None
    due = await store.next_candidate(batch, AT, frozenset())
    assert due is not None and due.target_id == target
    assert due.promise is not None and due.promise.operator_id == her
    assert due.promise.at == AT


async def test_she_takes_it_though_another_operator_has_waited_longer(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    store, batch, target, her, other = await promised(database, settings, tmp_path)
    pool = on_shift(her, other)
    assert pool.ready()[0].user_id == other
    claimed = await claim(store, pool, batch, PREDICTIVE, frozenset, lambda: AT)
    assert claimed is not None
    candidate, _, operator = claimed
    assert candidate.target_id == target and operator is not None and operator.user_id == her


async def test_it_waits_while_she_is_busy_then_goes_to_the_next_free_operator(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    store, batch, target, her, other = await promised(database, settings, tmp_path)
    pool = on_shift(her, other)
    pool.pause(her, "休憩", AT)
    assert await claim(store, pool, batch, PREDICTIVE, frozenset, lambda: AT) is None
    later = AT + HOLD_FOR
    claimed = await claim(store, pool, batch, PREDICTIVE, frozenset, lambda: later)
    assert claimed is not None and claimed[0].target_id == target
    assert claimed[2] is not None and claimed[2].user_id == other


async def test_when_she_is_not_on_shift_the_next_free_operator_takes_it_at_once(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    store, batch, target, her, other = await promised(database, settings, tmp_path)
    pool = on_shift(her, other)
    pool.disconnect(her, AT)
    claimed = await claim(store, pool, batch, PREDICTIVE, frozenset, lambda: AT)
    assert claimed is not None and claimed[0].target_id == target
    assert claimed[2] is not None and claimed[2].user_id == other


async def test_an_assigned_target_goes_to_its_operator_and_never_to_an_unskilled_one(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    batch = await batch_with_targets(database, settings, tmp_path)
    async with database.engine.begin() as conn:
        her = await users.add(conn, "sato", "佐藤", "operator", ["hoikuryo"])
        other = await users.add(conn, "tanaka", "田中", "operator", ["kyushoku"])
        await conn.execute(update(Target).where(Target.batch_id == batch).values(
            assigned_to=her, assigned_at=NOW - timedelta(hours=1)))
        skills = await users.skills(conn, other)
    store = DbAttemptStore(database, settings.classification, TZ)
    pool = OperatorPool()
    pool.add(other, "tanaka", "seat02", skills)  # waited longest, but not skilled
    pool.connect(other, "PJSIP/seat02-1", NOW - timedelta(minutes=5))
    pool.add(her, "sato", "seat01", frozenset({"hoikuryo"}))
    pool.connect(her, "PJSIP/seat01-1", NOW)
    claimed = await claim(store, pool, batch, PREDICTIVE, frozenset, lambda: NOW, "hoikuryo")
    assert claimed is not None and claimed[0].assigned_to == her
    assert claimed[2] is not None and claimed[2].user_id == her
    pool.reserve(her, claimed[1], NOW)
    # she is busy now; the assignment's wait is long over (assigned an hour ago), but the only
    # operator free lacks the skill: nothing is dialed
    assert await claim(store, pool, batch, PREDICTIVE, frozenset, lambda: NOW, "hoikuryo") is None
