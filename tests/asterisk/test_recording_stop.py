"""A manager stops an emergency recording from the board: MixMonitor stops, the call goes on
unrecorded, the part recorded is sealed and reported as stopped by that manager."""

from __future__ import annotations

import asyncio
import io

from pydub import AudioSegment

from tests.asterisk.centre import PASSWORD, Centre
from tests.asterisk.recording_kit import (
    LENGTH_TOLERANCE_S,
    NOT_SILENT_DBFS,
    TALKING,
    answered_call,
    event,
    eventually,
    voice_file,
    wire_recorder,
)
from tests.support import ami_wire
from tests.support.console_client import ConsoleUser

CENTRE_RESIDENTS = TALKING
__all__ = ["voice_file"]


async def test_a_manager_stops_a_recording_and_the_call_goes_on(centre: Centre) -> None:
    service, operator = centre.service, centre.operator
    recorder = wire_recorder(service)
    events = ami_wire.tap(service.ami)
    call_id = await answered_call(centre)
    status, _ = await operator.post("/api/console/emergency", {
        "reason": "danger", "consent": "granted"})
    assert status == 200
    _, started = await event(events, lambda e: e.get("Event") == "MixMonitorStart"
                             and e.get("Uniqueid") == call_id, 5)

    manager = ConsoleUser(service.url)
    try:
        await manager.login("kanri", PASSWORD, home="/board")
        status, board = await manager.get("/api/board")
        running = [r for r in board["recordings"] if r["call_id"] == call_id]
        assert status == 200 and running and running[0]["state"] == "recording"
        recording_id = running[0]["id"]
        await asyncio.sleep(1.5)
        status, answer = await manager.post(f"/api/recordings/{recording_id}/stop")
        assert status == 200, answer
        _, stopped = await event(events, lambda e: e.get("Event") == "MixMonitorStop"
                                 and e.get("Uniqueid") == call_id, 5)
        row = await eventually(lambda: _stored(recorder, recording_id), 5)
        assert row, "the stopped recording was not stored"
        assert row.stopped_by == "kanri"
        assert recorder.is_recording(call_id) is False
        status, answer = await manager.post(f"/api/recordings/{recording_id}/stop")
        assert status == 409

        # The call itself goes on.
        assert call_id in await service.ami.live_channel_ids()
        assert service.pool.get(operator_id(centre)).state.value == "on_call"

        plain = recorder.archive.vault().open(row.file_id, row.wrapped_key)
        audio = AudioSegment.from_wav(io.BytesIO(plain))
        assert abs(audio.duration_seconds - (stopped - started)) < LENGTH_TOLERANCE_S
        assert audio.dBFS > NOT_SILENT_DBFS

        await event(events, lambda e: e.get("Event") == "Hangup"
                    and e.get("Uniqueid") == call_id, 15)
        await asyncio.sleep(0.3)
        settings = service.settings
        assert [p.name for p in settings.paths.recordings_dir.iterdir()] == \
            [f"{row.file_id}.rec"]
        assert list(settings.paths.recordings_spool.iterdir()) == []
        report = (settings.paths.outbox_dir / "recordings" /
                  f"録音報告_20270112_{row.file_id}.csv").read_bytes().decode("cp932")
        assert "業務管理者 kanri が停止" in report and "同意を得た" in report
        status, board = await manager.get("/api/board")
        shown = [r for r in board["recordings"] if r["id"] == recording_id]
        assert shown and shown[0]["stopped_by"] == "kanri" and shown[0]["state"] == "stored"
    finally:
        ami_wire.untap(service.ami, events)
        await manager.close()


def operator_id(centre: Centre) -> int:
    return next(op.user_id for op in centre.service.pool.all() if op.login == "op1")


async def _stored(recorder: object, recording_id: int) -> object:
    row = await recorder.archive.get(recording_id)  # type: ignore[attr-defined]
    return row if row.state.value == "stored" else None
