"""Emergency-only recording on the real sandbox (SPEC "Recording"): a resident who talks is
called, the operator flags an emergency, MixMonitor starts within 1 s, the file is sealed into
the store when the call ends (AES-GCM, it decrypts to audio of the call's length, not silence),
the report is in the outbox and on the board, a manager plays, exports and erases it, and an
operator is refused everywhere; an unflagged call leaves no file anywhere."""

from __future__ import annotations

import asyncio
import io
import json
import re
import stat
import time

from pydub import AudioSegment
from sqlalchemy import select

from dialer.adapters.db import audit
from dialer.adapters.db.models import RecordingErasure
from recordings_policy.lifecycle import State
from tests.asterisk.centre import PASSWORD, Centre
from tests.asterisk.recording_kit import (
    LENGTH_TOLERANCE_S,
    NOT_SILENT_DBFS,
    START_WITHIN_S,
    TALKING,
    answered_call,
    audio_files,
    event,
    eventually,
    recording_routes,
    voice_file,
    wire_recorder,
)
from tests.support import ami_wire
from tests.support.console_client import ConsoleUser

CENTRE_RESIDENTS = TALKING
__all__ = ["voice_file"]


async def _manager(centre: Centre) -> ConsoleUser:
    manager = ConsoleUser(centre.service.url)
    await manager.login("kanri", PASSWORD, home="/board")
    return manager


async def test_a_flagged_call_is_recorded_encrypted_reported_played_and_erased(
        centre: Centre) -> None:
    service, operator = centre.service, centre.operator
    recorder = wire_recorder(service)
    settings = service.settings
    sounds = audio_files(centre.state.host_inner)  # the callback line's messages
    events = ami_wire.tap(service.ami)
    call_id = await answered_call(centre)

    sent = time.perf_counter()
    status, _ = await operator.post("/api/console/emergency", {
        "reason": "threat", "consent": "not_asked", "text": "危害を加えると発言"})
    assert status == 200
    _, started = await event(events, lambda e: e.get("Event") == "MixMonitorStart"
                             and e.get("Uniqueid") == call_id, 5)
    latency = started - sent
    assert latency < START_WITHIN_S, f"MixMonitor started {latency:.3f} s after the flag"
    _, ended = await event(events, lambda e: e.get("Event") == "Hangup"
                           and e.get("Uniqueid") == call_id, 15)
    ami_wire.untap(service.ami, events)
    print(f"\nflag -> MixMonitorStart {latency * 1000:.1f} ms (POST to AMI event); "
          f"recorder: {recorder.start_latencies_s[-1] * 1000:.1f} ms")

    archive = recorder.archive
    rows = await eventually(lambda: _stored(archive), 10)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row.call_id == call_id and row.flagged_by == "op1" and row.reason == "threat"

    # Sealed in the store under a name with no personal data; nothing plain anywhere.
    store = settings.paths.recordings_dir
    assert [p.name for p in store.iterdir()] == [f"{row.file_id}.rec"]
    assert re.fullmatch(r"[0-9a-f]{32}\.rec", f"{row.file_id}.rec")
    sealed = (store / f"{row.file_id}.rec").read_bytes()
    assert not sealed.startswith(b"RIFF") and b"WAVE" not in sealed[:64]
    assert list(settings.paths.recordings_spool.iterdir()) == []
    assert audio_files(centre.state.host_inner) == sounds
    key = settings.recordings.key_file
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not key.is_relative_to(settings.paths.data_dir)
    assert not key.is_relative_to(store) and key.read_text().strip() not in sealed.hex()
    assert len(row.wrapped_key) == 2 * 69 and row.wrapped_key not in sealed.hex()

    # It decrypts to the call's audio: as long as the call was recorded, and not silence.
    plain = archive.vault().open(row.file_id, row.wrapped_key)
    assert plain[:4] == b"RIFF" and plain[44:1044] not in sealed
    audio = AudioSegment.from_wav(io.BytesIO(plain))
    recorded_s = ended - started
    assert abs(audio.duration_seconds - recorded_s) < LENGTH_TOLERANCE_S, (
        audio.duration_seconds, recorded_s)
    assert abs(row.duration_s - audio.duration_seconds) < 0.05
    assert audio.dBFS > NOT_SILENT_DBFS, audio.dBFS
    assert audio.frame_rate == 8000 and audio.channels == 1
    print(f"recorded {audio.duration_seconds:.2f} s (MixMonitorStart -> Hangup "
          f"{recorded_s:.2f} s), {audio.dBFS:.1f} dBFS")

    # Reported to the city at once: CSV (CP932, CRLF) and JSON in the outbox.
    stem = settings.paths.outbox_dir / "recordings" / f"録音報告_20270112_{row.file_id}"
    report_csv = stem.with_name(stem.name + ".csv").read_bytes()
    assert b"\r\n" in report_csv and report_csv.count(b"\n") == report_csv.count(b"\r\n")
    text = report_csv.decode("cp932")
    for expected in (call_id, "op1", "脅迫・威圧", "同意を求められる状況ではなかった",
                     row.file_id, "通話終了"):
        assert expected in text, expected
    facts = json.loads(stem.with_name(stem.name + ".json").read_text(encoding="utf-8"))
    assert facts["call_id"] == call_id and float(facts["duration_s"]) > 1

    # An operator is refused on every recording route.
    routes = recording_routes(service)
    assert len(routes) >= 7
    for method, path in routes:
        async with operator.http.request(method, operator.base + path, headers={
                "X-CSRF-Token": operator.csrf, "Origin": operator.base,
                "Accept": "application/json"}) as response:
            assert response.status == 403, (method, path, response.status)

    manager = await _manager(centre)
    try:
        # On the manager's board until acknowledged.
        status, board = await manager.get("/api/board")
        shown = [r for r in board["recordings"] if r["id"] == row.id]
        assert status == 200 and shown and shown[0]["state"] == "stored"
        assert "危害" not in json.dumps(board, ensure_ascii=False)  # never the free text

        # Played (decrypted in memory, streamed) and exported as MP3, both in the access log.
        async with manager.http.get(f"{manager.base}/admin/recordings/{row.id}/audio"
                                    ) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "audio/wav"
            assert response.headers["Cache-Control"] == "no-store"
            assert await response.read() == plain
        async with manager.http.get(f"{manager.base}/admin/recordings/{row.id}/export",
                                    params={"format": "mp3"}) as response:
            assert response.status == 200 and "attachment" in response.headers[
                "Content-Disposition"]
            mp3 = AudioSegment.from_file(io.BytesIO(await response.read()), format="mp3")
        assert abs(mp3.duration_seconds - audio.duration_seconds) < 0.2

        status, answer = await manager.post(f"/api/recordings/{row.id}/ack")
        assert status == 200 and answer["by"] == "kanri"
        status, board = await manager.get("/api/board")
        assert all(r["id"] != row.id for r in board["recordings"])

        # Erased on the city's instruction: no readable trace; the record of it remains.
        async with manager.http.post(f"{manager.base}/admin/recordings/{row.id}/erase", data={
                "csrf": manager.csrf, "reference": "札幌市指示 R8-123"},
                headers={"Origin": manager.base}) as response:
            assert response.status == 200 and "消去しました" in await response.text()
        assert list(store.iterdir()) == []
        assert audio_files(store, settings.paths.recordings_spool,
                           centre.state.host_inner) == sounds
        async with manager.http.get(f"{manager.base}/admin/recordings/{row.id}/audio"
                                    ) as response:
            assert response.status == 410
    finally:
        await manager.close()

    erased = await archive.get(row.id)
    assert erased.state is State.ERASED and erased.erased_by == "kanri"
    assert erased.erasure_reference == "札幌市指示 R8-123"
    erasure_report = stem.with_name(f"録音消去報告_20270112_{row.file_id}.csv")
    assert "消去済み" in erasure_report.read_bytes().decode("cp932")
    async with service.database.engine.connect() as conn:
        assert (await conn.execute(select(RecordingErasure.reason))).scalar_one() == \
            "instruction"
        actions = [e.action for e in await audit.entries(conn, limit=200)]
        assert (await audit.verify(conn)).ok
    for action in ("emergency.flag", "recording.start", "recording.stored", "recording.report",
                   "recording.play", "recording.export", "recording.ack", "recording.erase"):
        assert action in actions, action


async def _stored(archive: object) -> list[object]:
    rows = await archive.listing()  # type: ignore[attr-defined]
    return rows if rows and all(r.state is State.STORED for r in rows) else []


async def test_an_unflagged_call_leaves_no_file_anywhere(centre: Centre) -> None:
    service = centre.service
    recorder = wire_recorder(service)
    settings = service.settings
    watched = (centre.state.host_inner, settings.paths.data_dir, settings.base_dir)
    before = audio_files(*watched)
    events = ami_wire.tap(service.ami)
    call_id = await answered_call(centre)
    seen = []
    while True:
        raw, _ = await event(events, lambda e: e.get("Uniqueid") == call_id, 15)
        seen.append(raw.get("Event"))
        if raw.get("Event") == "Hangup":
            break
    ami_wire.untap(service.ami, events)
    await asyncio.sleep(0.3)
    assert "MixMonitorStart" not in seen
    assert audio_files(*watched) - before == set()
    assert list(settings.paths.recordings_spool.iterdir()) == []
    assert not settings.paths.recordings_dir.exists() or \
        list(settings.paths.recordings_dir.iterdir()) == []
    assert await recorder.archive.listing() == []
    assert not recorder.active
