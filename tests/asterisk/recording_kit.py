"""What the emergency-recording tests share: residents who talk (sipp sending real audio), the
recorder wired into the real service the way ``dialer/app.py`` does it, and waiting helpers."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydub import AudioSegment
from pydub.generators import Sine

from agent_ui.keys import RECORDER
from agent_ui.security import ACCESS
from dialer.app import Service
from dialer.services.calls.runner import Campaign
from dialer.services.recordings.archive import RecordingArchive
from dialer.services.recordings.recorder import Recorder, emergency_hooks
from dialer.services.supervision.board_alerts import emergency_hook
from tests.asterisk.centre import Centre
from tests.support.ami_wire import Raw
from tests.support.console_client import record_shown

TALKING = Path(__file__).with_name("sipp") / "residents_talking.xml"
VOICE = "voice.ulaw"
RESIDENT_TALKS_S = 6.0  # the scenario hangs up this long after answering
START_WITHIN_S = 1.0  # the flag starts MixMonitor within this
LENGTH_TOLERANCE_S = 0.5
NOT_SILENT_DBFS = -40.0


def write_voice(folder: Path) -> Path:
    """3 s of "speech" for sipp to loop (raw u-law, 8 kHz): tones of changing pitch and gaps."""
    voice = AudioSegment.silent(duration=0, frame_rate=8000)
    for frequency in (320, 440, 380, 520, 300, 460):
        voice += Sine(frequency, sample_rate=8000).to_audio_segment(duration=400, volume=-8)
        voice += AudioSegment.silent(duration=100, frame_rate=8000)
    path = folder / VOICE
    voice.set_channels(1).set_frame_rate(8000).export(str(path), format="mulaw")
    return path


@pytest.fixture(autouse=True)
def voice_file(tmp_path: Path) -> Path:
    """Written before the centre starts sipp (which reads it when loading the scenario)."""
    return write_voice(tmp_path)


async def answered_call(centre: Centre) -> str:
    """op1 goes ready on seat01; the first resident of the batch is called and answers; the
    record pops on the console. Returns the call id."""
    operator, service = centre.operator, centre.service
    status, _ = await operator.post("/api/console/ready", {"seat": "seat01"})
    assert status == 200
    service.runner.open(Campaign(centre.batch, "hoikuryo", ring_timeout_s=15))
    frame = await operator.frame(record_shown, timeout_s=30)
    service.runner.close(centre.batch)  # one call is enough
    return str(frame["call"]["id"])


def wire_recorder(service: Service) -> Recorder:
    """The recorder as ``dialer/app.py`` composes it (used when the service does not yet)."""
    existing = getattr(service, "recorder", None)
    if isinstance(existing, Recorder):
        return existing
    archive = RecordingArchive(service.database, lambda: service.settings, service.now)
    recorder = Recorder(service.ami, archive, lambda: service.settings, service.now)
    service.console._on_emergency = emergency_hooks(
        recorder.started, emergency_hook(service.hub, service.now))
    service.supervise("recorder", recorder.run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the app is already running
        service.web[RECORDER] = recorder
    return recorder


def recording_routes(service: Service) -> list[tuple[str, str]]:
    """Every declared route of the recordings pages, with ids filled in."""
    table: dict[tuple[str, str], Any] = service.web[ACCESS]
    return [(method, path.replace("{id}", "1")) for method, path in sorted(table)
            if path.startswith(("/admin/recordings", "/api/recordings"))]


async def event(queue: asyncio.Queue[Raw], match: Callable[[Raw], bool],
                timeout_s: float) -> tuple[Raw, float]:
    """The first AMI event that matches, and when it arrived (time.perf_counter())."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError("no matching AMI event")
        async with asyncio.timeout(remaining):
            raw = await queue.get()
        if match(raw):
            return raw, time.perf_counter()


async def eventually(check: Callable[[], Any], timeout_s: float) -> Any:
    """Poll the coroutine function ``check`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        value = await check()
        if value or loop.time() > deadline:
            return value
        await asyncio.sleep(0.05)


def audio_files(*folders: Path) -> set[Path]:
    """Every file under ``folders`` that holds or could hold call audio."""
    suffixes = {".wav", ".wav49", ".gsm", ".ulaw", ".alaw", ".sln", ".sln16", ".raw", ".g722",
                ".mp3", ".rec", ".part"}
    found = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            with path.open("rb") as f:
                head = f.read(12)
            if path.suffix.lower() in suffixes or (head[:4] == b"RIFF" and head[8:] == b"WAVE"):
                found.add(path)
    return found
