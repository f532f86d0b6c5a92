"""Database faults while an operator works (issue #12): the SQLite file held by another writer
longer than busy_timeout, and the disk full (the database on a small tmpfs, the rest of it
filled). The operator's save answers 503 with a clear message and no internals, nothing is
half-written, the same save sent again once the fault clears is recorded exactly once, the
file passes ``PRAGMA integrity_check`` and the service goes on. No personal data in any answer
or in the log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.adapters.db import screen_pop
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.domain import phone
from dialer.domain.operators import SeatState
from dialer.domain.result_form import ResultForm
from dialer.services.console import result_record
from dialer.services.console.result_record import SavedResult
from tests.component.web.kit import login
from tests.support.console_rig import (
    BUSY_TIMEOUT_MS,
    CALL_ID,
    NOW,
    NUMBER,
    RESIDENT,
    RESULT,
    Rig,
    checkpoint,
    console_rig,
    fill,
    tmpfs,
)

# What an answer must never carry: internals, and the resident's or the operator's data.
NEVER = ("Traceback", "sqlite", "SQL", "Error", "INSERT", "UPDATE", "centre.sqlite3", RESIDENT,
         NUMBER, phone.mask(NUMBER), RESULT["note"])
ANSWER_WITHIN_S = 10.0  # every request of these tests is answered well within this


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with console_rig(tmp_path, tmp_path) as rig:
        yield rig


@contextlib.asynccontextmanager
async def operator(rig: Rig) -> AsyncIterator[tuple[TestClient, str]]:
    """op1 logged in to the console (their CSRF token)."""
    client = TestClient(TestServer(rig.app))
    await client.start_server()
    try:
        yield client, await login(client, "op1")
    finally:
        await client.close()


async def call(client: TestClient, csrf: str, method: str, path: str,
               body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any], str]:
    """(status, JSON answer, raw text), bounded in time."""
    async def send() -> tuple[int, dict[str, Any], str]:
        response = await client.request(method, path, json=body, headers={
            "X-CSRF-Token": csrf, "Accept": "application/json"})
        raw = await response.text()
        return response.status, json.loads(raw), raw
    return await asyncio.wait_for(send(), ANSWER_WITHIN_S)


async def save(client: TestClient, csrf: str, save_id: str) -> tuple[int, dict[str, Any], str]:
    return await call(client, csrf, "POST", "/api/console/result",
                      {**RESULT, "save_id": save_id})


def unavailable(status: int, answer: dict[str, Any], raw: str, reason: str) -> None:
    """A clear 503: the page may send again; the reason in words; nothing internal."""
    assert status == 503, raw
    assert answer["code"] == "database_unavailable" and answer["retry"] is True
    assert "データベースが一時的に使えません" in answer["error"] and reason in answer["error"]
    assert "記録されていません" in answer["error"] and "temporarily unavailable" in answer["error"]
    for word in NEVER:
        assert word not in raw, (word, raw)


def nothing_personal_logged(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        if record.levelno >= logging.INFO:
            text = record.getMessage() + (record.exc_text or "")
            for word in (RESIDENT, NUMBER, phone.mask(NUMBER), RESULT["note"]):
                assert word not in text, (word, record.name, text)


async def test_a_locked_database_answers_503_and_the_retried_save_is_recorded_once(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with operator(rig) as (client, csrf):
        with rig.hold_write_lock():
            started = time.perf_counter()
            status, answer, raw = await save(client, csrf, "save-1")
            waited = time.perf_counter() - started
            unavailable(status, answer, raw, "混み合っています")
            assert waited >= BUSY_TIMEOUT_MS / 1000 * 0.9  # it waited for the lock first
            assert rig.state() is SeatState.WRAP_UP  # still on this call's result
            assert await rig.recorded() == (0, None, 0)  # nothing half-written
            # a reload logs the record view: the same clear 503, not a 500
            status, answer, raw = await call(client, csrf, "GET", "/api/console")
            unavailable(status, answer, raw, "混み合っています")
            status, answer, raw = await save(client, csrf, "save-1")  # the page's retry
            unavailable(status, answer, raw, "混み合っています")
        assert await rig.recorded() == (0, None, 0)

        status, state, raw = await save(client, csrf, "save-1")  # the lock is gone
        assert status == 200, raw
        assert state["state"] == "ready" and state["call"] is None
        assert await rig.recorded() == (1, "101", 1)
        status, state, raw = await save(client, csrf, "save-1")  # its answer was lost: again
        assert status == 200 and state["state"] == "ready", raw
        assert await rig.recorded() == (1, "101", 1)  # still once
        status, answer, raw = await save(client, csrf, "save-2")  # a new save: nothing to save
        assert status == 409 and "no call" in answer["error"], raw
    assert await rig.intact() == ("ok", True)
    faults = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert faults and all(r.levelno == logging.ERROR for r in faults)
    assert "locked" in faults[0].getMessage()
    nothing_personal_logged(caplog)


async def test_a_status_change_on_a_locked_database_answers_503_and_changes_nothing(
        rig: Rig) -> None:
    async with operator(rig) as (client, csrf):
        status, _, raw = await save(client, csrf, "save-1")
        assert status == 200, raw
        with rig.hold_write_lock():
            status, answer, raw = await call(client, csrf, "POST", "/api/console/pause",
                                             {"reason": "休憩"})
            unavailable(status, answer, raw, "混み合っています")
            assert rig.state() is SeatState.READY  # not paused without its log line
        status, state, raw = await call(client, csrf, "POST", "/api/console/pause",
                                        {"reason": "休憩"})
        assert status == 200 and state["state"] == "paused", raw
    assert await rig.intact() == ("ok", True)


async def test_a_full_disk_answers_503_keeps_the_result_and_the_retry_records_it_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with tmpfs(tmp_path / "small-disk", "16m") as disk:
        async with console_rig(disk, tmp_path) as rig, operator(rig) as (client, csrf):
            await checkpoint(rig.database)  # the next write needs new space for its log
            filler = fill(disk)
            try:
                status, answer, raw = await save(client, csrf, "save-1")
                unavailable(status, answer, raw, "ディスクの空きがありません")
                assert rig.state() is SeatState.WRAP_UP
                assert await rig.recorded() == (0, None, 0)
                status, answer, raw = await save(client, csrf, "save-1")  # still full
                unavailable(status, answer, raw, "ディスクの空きがありません")
            finally:
                filler.unlink()
            status, state, raw = await save(client, csrf, "save-1")
            assert status == 200 and state["state"] == "ready", raw
            assert await rig.recorded() == (1, "101", 1)
            status, state, raw = await call(client, csrf, "POST", "/api/console/pause",
                                            {"reason": "休憩"})  # the service goes on
            assert status == 200 and state["state"] == "paused", raw
            assert await rig.intact() == ("ok", True)
    faults = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert faults and "full" in faults[0].getMessage()
    nothing_personal_logged(caplog)


async def test_a_result_already_in_the_database_is_not_written_again(rig: Rig) -> None:
    """A commit whose answer never came back (the operator still in wrap-up, the rows there):
    the save is done, not written twice."""
    store = DbAttemptStore(rig.database, rig.settings.classification, rig.settings.tz)
    async with rig.database.engine.begin() as conn:
        where = await screen_pop.call_target(conn, CALL_ID)
        form = ResultForm(RESULT["code"], RESULT["note"], account_transfer="recommended")
        assert await result_record.write(conn, store, SavedResult(
            CALL_ID, where, False, rig.user_id, "op1", NOW, form))
    assert await rig.recorded() == (1, "101", 1)
    async with operator(rig) as (client, csrf):
        status, state, raw = await save(client, csrf, "save-1")
        assert status == 200 and state["state"] == "ready", raw
    assert await rig.recorded() == (1, "101", 1)
