"""The operator's search for a caller from a number the centre never dialed: by 管理番号, by a
prefix of the name or kana (width and katakana/hiragana folded), by another number — only in the
batches whose callback period is open, one batch at a time, bounded, and in the access log
without what was typed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from dialer import config
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import AuditEntry
from dialer.config import Settings
from dialer.domain.calendar import Calendar
from dialer.services.callbacks.callers import MAX_HITS, CallerFinder, SearchError
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv

TZ = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 12, 12, 0, tzinfo=TZ)
PERIODS = """
[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
[[periods]]
debt_type = "rojin"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
[[periods]]
debt_type = "hoikuryo"
month = "2026-12"
calling = ["2026-12-01", "2026-12-20"]
callback = ["2026-12-01", "2026-12-28"]
"""


def _row(ref: str, name: str, kana: str, number: str) -> list[str]:
    return [ref, name, kana, number, "", "R5", "1", "R5.4.30", "1000"]


PERSON = _row("C001", "折返　太郎", "オリカエシ タロウ", "090-7777-0001")


@pytest.fixture
def calendar(tmp_path: Path) -> Calendar:
    (tmp_path / "p.toml").write_text(PERIODS)
    return config.calendar(config.load(tmp_path / "p.toml"))


async def _batch(database: Database, settings: Settings, tmp_path: Path, debt: str,
                 month: str, rows: list[list[str]]) -> int:
    path = write_csv(tmp_path / f"{debt}-{month}.csv", rows)
    request = ImportRequest(path, debt, month, force=True)
    return (await import_file(database, settings, request)).batch


@pytest.fixture
async def batches(database: Database, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """The same person on hoikuryo and rojin lists of January (both in their callback period)
    and on December's hoikuryo list (its callback period is over)."""
    other = _row("C002", "別人　花子", "ﾍﾞﾂｼﾞﾝ ﾊﾅｺ", "011-555-0002")
    return {"hoikuryo": await _batch(database, settings, tmp_path, "hoikuryo", "2027-01",
                                     [PERSON, other]),
            "rojin": await _batch(database, settings, tmp_path, "rojin", "2027-01", [PERSON]),
            "closed": await _batch(database, settings, tmp_path, "hoikuryo", "2026-12",
                                   [PERSON])}


def _finder(database: Database, calendar: Calendar) -> CallerFinder:
    return CallerFinder(database, lambda: calendar, lambda: NOW)


@pytest.mark.parametrize(("by", "typed"), [
    ("ref", "C001"), ("ref", "Ｃ００１"), ("name", "おりかえし"), ("name", "ｵﾘｶｴｼ ﾀ"),
    ("name", "オリカエシ　タロウ"), ("name", "折返 太"), ("phone", "090-7777-0001"),
    ("phone", "０９０７７７７０００１"),
])
async def test_the_caller_is_found_on_each_open_list_separately(
        database: Database, calendar: Calendar, batches: dict[str, int], by: str,
        typed: str) -> None:
    found = await _finder(database, calendar)("op1", "call-1", by, typed)
    assert [(c.batch_id, c.debt_type, c.ref, c.name) for c in found.candidates] == [
        (batches["hoikuryo"], "hoikuryo", "C001", "折返　太郎"),
        (batches["rojin"], "rojin", "C001", "折返　太郎")]  # two lists, never merged
    assert not found.more


@pytest.mark.parametrize(("by", "typed"), [
    ("ref", "C00"), ("ref", "c001"), ("name", "たろう"), ("phone", "090-7777-0009"),
    ("name", "お%"), ("name", "お_りかえし"), ("name", "' OR 1=1 --"), ("ref", "%"),
])
async def test_no_partial_ref_no_infix_and_wildcards_are_plain_characters(
        database: Database, calendar: Calendar, batches: dict[str, int], by: str,
        typed: str) -> None:
    found = await _finder(database, calendar)("op1", "call-1", by, typed)
    assert found.candidates == []


@pytest.mark.parametrize(("by", "typed", "why"), [
    ("name", "お", "at least two"), ("kana", "おりかえし", "search by"),
    ("name", "お" * 41, "at most 40"), ("name", "おり\x00かえし", "control"),
    ("phone", "110", "phone: "), ("ref", "   ", "ref: "),
])
async def test_bad_searches_are_refused_with_a_reason_and_never_logged(
        database: Database, calendar: Calendar, batches: dict[str, int], by: str, typed: str,
        why: str) -> None:
    with pytest.raises(SearchError, match=why) as refused:
        await _finder(database, calendar)("op1", "call-1", by, typed)
    assert typed.strip() == "" or typed not in str(refused.value)
    async with database.engine.connect() as conn:
        assert "callers.search" not in [e.action for e in await audit.entries(conn)]


async def test_every_search_is_logged_with_its_kind_and_count_never_the_typed_text(
        database: Database, calendar: Calendar, batches: dict[str, int]) -> None:
    finder = _finder(database, calendar)
    await finder("op1", "call-7", "name", "オリカエシ")
    await finder("op1", "call-7", "phone", "090-7777-0001")
    async with database.engine.connect() as conn:
        logged = [e for e in await audit.entries(conn) if e.action == "callers.search"]
        raw = [d for (d,) in await conn.execute(select(AuditEntry.detail))]
    assert [(e.actor, e.obj, e.detail["by"], e.detail["hits"]) for e in reversed(logged)] == [
        ("op1", "call:call-7", "name", 2),
        ("op1", "call:call-7", "phone", 2)]
    assert all(e.detail["batches"] == 2 for e in logged)  # December's list is not searched
    text = json.dumps(raw, ensure_ascii=False)
    for typed in ("オリカエシ", "おりかえし", "09077770001", "7777"):
        assert typed not in text


async def test_results_are_bounded_and_the_search_runs_one_query_per_batch(
        database: Database, settings: Settings, calendar: Calendar, tmp_path: Path) -> None:
    many = [_row(f"S{i:03}", f"佐藤　{i}", f"サトウ {i}", f"011-555-{i:04}") for i in range(30)]
    first = await _batch(database, settings, tmp_path, "hoikuryo", "2027-01", many)
    await _batch(database, settings, tmp_path, "rojin", "2027-01", many[:5])
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "FROM batches JOIN targets" in statement:
            statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        found = await _finder(database, calendar)("op1", "call-2", "name", "さとう")
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)
    assert len(found.candidates) == MAX_HITS and found.more
    assert {c.batch_id for c in found.candidates} == {first}  # the first list filled it
    assert len(statements) == 1  # the full first batch made the second unnecessary
    assert all("batches.id = " in s and " IN " not in s for s in statements)
