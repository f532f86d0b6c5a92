"""The recordings pages (managers and admins only): the list, play (decrypted in memory,
streamed, logged), export as WAV or MP3, acknowledging the report (also from the board),
erasure on the city's instruction; operators are refused on every route."""

from __future__ import annotations

import io
import shutil

import pytest
from aiohttp.test_utils import TestClient
from pydub import AudioSegment

from agent_ui.keys import Backend
from dialer import config
from dialer.adapters.ami import AmiLink
from dialer.adapters.db import audit
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Database
from dialer.adapters.db.recordings import RecordingRow
from dialer.config import Settings
from dialer.services.callbacks.tracker import InboundTracker
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.recordings.archive import RecordingArchive
from dialer.services.supervision.board import BoardSource, board_message
from recordings_policy.lifecycle import begin
from tests.component.recordings.kit import flagged, tone, wav_header
from tests.component.web.kit import login

FILE_ID = "5" * 32
JSON = {"Accept": "application/json"}


@pytest.fixture
async def stored(settings: Settings, database: Database, backend: Backend) -> RecordingRow:
    """A 2-second recording of call att-9, sealed into the store and reported."""
    archive = RecordingArchive(database, lambda: settings, backend.clock)
    the_flag = await flagged(database, "att-9", backend.clock(), reason="crime",
                             consent="not_asked")
    recording_id = await archive.open(begin(the_flag, FILE_ID), "op1")
    spool = settings.paths.recordings_spool
    spool.mkdir(parents=True, exist_ok=True)
    audio = tone(2.0)
    (spool / f"{FILE_ID}.wav").write_bytes(wav_header(len(audio), closed=True) + audio)
    return await archive.store(recording_id, spool / f"{FILE_ID}.wav", "")


async def test_a_manager_lists_plays_and_exports_and_each_is_logged(
        client: TestClient, stored: RecordingRow, database: Database) -> None:
    await login(client, "kanri")
    page = await (await client.get("/admin/recordings")).text()
    assert FILE_ID in page and "att-9" in page and "犯罪の予告" in page
    assert 'href="/admin/recordings"' in await (await client.get("/admin")).text()

    response = await client.get(f"/admin/recordings/{stored.id}/audio")
    assert response.status == 200 and response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Cache-Control"] == "no-store"
    played = await response.read()
    assert AudioSegment.from_wav(io.BytesIO(played)).duration_seconds == pytest.approx(2.0)

    response = await client.get(f"/admin/recordings/{stored.id}/export?format=wav")
    assert response.status == 200 and await response.read() == played
    assert f"recording_{FILE_ID}.wav" in response.headers["Content-Disposition"]
    if shutil.which("ffmpeg"):
        response = await client.get(f"/admin/recordings/{stored.id}/export?format=mp3")
        assert response.status == 200 and response.headers["Content-Type"] == "audio/mpeg"
        mp3 = AudioSegment.from_file(io.BytesIO(await response.read()), format="mp3")
        assert mp3.duration_seconds == pytest.approx(2.0, abs=0.2)
    response = await client.get(f"/admin/recordings/{stored.id}/export?format=ogg")
    assert response.status == 409
    assert (await client.get("/admin/recordings/999/audio")).status == 404
    assert (await client.get("/admin/recordings/x/audio")).status == 404
    async with database.engine.connect() as conn:
        logged = [(e.actor, e.action) for e in await audit.entries(conn)]
    assert ("kanri", "recording.play") in logged and ("kanri", "recording.export") in logged


async def test_the_report_is_acknowledged_once_and_leaves_the_board(
        client: TestClient, stored: RecordingRow, settings: Settings, database: Database,
        backend: Backend) -> None:
    link = AmiLink(settings.ami)
    pool = OperatorPool()
    store = DbAttemptStore(database, settings.classification, settings.tz)
    runner = CampaignRunner(link, store, pool, lambda: config.calendar(settings),
                            settings.classification, settings.centre.dedicated_number,
                            backend.clock)
    board = BoardSource(database, pool, runner, InboundTracker(),
                        lambda: settings.classification, backend.clock, settings=lambda: settings)
    [shown] = board_message(await board())["recordings"]
    assert shown["id"] == stored.id and shown["state"] == "stored"
    assert shown["reason_label"] == "犯罪の予告" and shown["consent_label"].startswith("同意を求")

    csrf = await login(client, "kanri")
    response = await client.post(f"/api/recordings/{stored.id}/ack", json={},
                                  headers=JSON | {"X-CSRF-Token": csrf})
    assert response.status == 200 and (await response.json())["by"] == "kanri"
    response = await client.post(f"/api/recordings/{stored.id}/ack", json={},
                                 headers=JSON | {"X-CSRF-Token": csrf})
    assert response.status == 409
    assert board_message(await board())["recordings"] == []
    response = await client.post(f"/api/recordings/{stored.id}/stop", json={},
                                 headers=JSON | {"X-CSRF-Token": csrf})
    assert response.status == 409  # the service's recorder: nothing is recording this call
    assert "not running" in (await response.json())["error"]


async def test_erasure_needs_the_citys_reference_and_destroys_the_file(
        client: TestClient, stored: RecordingRow, settings: Settings) -> None:
    csrf = await login(client, "kanri")
    sealed = settings.paths.recordings_dir / f"{FILE_ID}.rec"
    assert sealed.is_file()
    response = await client.post(f"/admin/recordings/{stored.id}/erase",
                                 data={"csrf": csrf, "reference": "  "})
    assert response.status == 400 and sealed.is_file()
    response = await client.post(f"/admin/recordings/{stored.id}/erase",
                                 data={"csrf": csrf, "reference": "札幌市指示 第12号"})
    assert response.status == 200 and "消去しました" in await response.text()
    assert not sealed.exists()
    page = await (await client.get("/admin/recordings")).text()
    assert "消去済み" in page and "札幌市指示 第12号" in page
    assert (await client.get(f"/admin/recordings/{stored.id}/audio")).status == 410
    response = await client.post("/admin/recordings/erase-call",
                                 data={"csrf": csrf, "call_id": "att-9", "reference": "x"})
    assert response.status == 200  # nothing left to erase; the record stays
    response = await client.post("/admin/recordings/erase-call",
                                 data={"csrf": csrf, "call_id": "att-none", "reference": "x"})
    assert response.status == 404


@pytest.mark.parametrize("user", ["op1", "op2"])
async def test_operators_are_refused_everywhere(client: TestClient, stored: RecordingRow,
                                                settings: Settings, user: str) -> None:
    csrf = await login(client, user)
    for method, path in (("GET", "/admin/recordings"),
                         ("GET", f"/admin/recordings/{stored.id}/audio"),
                         ("GET", f"/admin/recordings/{stored.id}/export?format=wav"),
                         ("POST", f"/admin/recordings/{stored.id}/erase"),
                         ("POST", "/admin/recordings/erase-call"),
                         ("POST", f"/api/recordings/{stored.id}/ack"),
                         ("POST", f"/api/recordings/{stored.id}/stop")):
        response = await client.request(method, path, headers=JSON | {"X-CSRF-Token": csrf},
                                        data={"csrf": csrf, "reference": "x",
                                              "call_id": "att-9"} if method == "POST" else None)
        assert response.status == 403, (user, method, path, response.status)
    assert (settings.paths.recordings_dir / f"{FILE_ID}.rec").is_file()
