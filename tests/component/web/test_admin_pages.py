"""The admin pages render for managers and admins; the calendar shows the configuration and
the next 14 days; a callback message is replaced through the upload (bad files refused)."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from agent_ui import admin_messages
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from tests.component.conftest import CONFIG
from tests.component.web.admin_kit import upload
from tests.component.web.kit import login

PAGES = ("/admin", "/admin/users", "/admin/import", "/admin/calendar", "/admin/messages",
         "/admin/documents", "/admin/reports", "/admin/audit")


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(CONFIG + """
[calendar]
weekday = ["11:30-13:30", "16:30-20:30"]
weekend_holiday = ["10:00-16:00"]
closed_days = ["2027-01-15"]
open_days = { "2027-01-17" = "weekday" }

[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-12", "2027-01-20"]
callback = ["2027-01-12", "2027-01-27"]
""", encoding="utf-8")
    return path


@pytest.mark.parametrize("user", ["kanri", "sysadm"])
async def test_every_admin_page_renders(client: TestClient, user: str) -> None:
    await login(client, user)
    for path in PAGES:
        response = await client.get(path)
        assert response.status == 200, path
        page = await response.text()
        assert 'href="/admin/users"' in page and "/static/admin.js" in page
        assert response.headers["Cache-Control"] == "no-store"


async def test_the_calendar_shows_windows_days_and_periods(client: TestClient) -> None:
    await login(client, "kanri")
    page = await (await client.get("/admin/calendar")).text()
    assert "11:30-13:30 / 16:30-20:30" in page and "10:00-16:00" in page
    assert "2027-01-15（金）" in page and "2027-01-17（日）— 平日の時間帯" in page
    assert "2027-01-12 〜 2027-01-20" in page and "2027-01-12 〜 2027-01-27" in page
    rows = page.split("今後14日間")[1]
    assert rows.count("<tr") == 15  # header + 14 days from the clock's 2027-01-12
    assert "2027-01-12</td><td>火</td><td>平日" in rows
    assert "2027-01-15</td><td>金</td><td>休業日</td>" in rows
    assert "2027-01-25" in rows and "2027-01-26" not in rows


def _wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> bytes:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
            for n in range(int(seconds * rate))))
    return path.read_bytes()


async def test_a_message_is_replaced_and_bad_files_are_refused(
        client: TestClient, settings: Settings, database: Database, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    csrf = await login(client, "kanri")
    page = await (await client.get("/admin/messages")).text()
    assert "未設置" in page and "折返し回線は開きません" in page
    status, page = await upload(client, "/admin/messages/congestion", csrf, {},
                                "混雑.wav", _wav(tmp_path / "c.wav"))
    assert status == 200 and "混雑時応答メッセージを差し替えました" in page
    assert (settings.paths.sounds_dir / "congestion.wav").is_file()
    status, page = await upload(client, "/admin/messages/congestion", csrf, {},
                                "second.wav", _wav(tmp_path / "d.wav", 2.0))
    assert status == 200 and "以前の版" in page
    status, page = await upload(client, "/admin/messages/congestion", csrf, {},
                                "garbage.wav", b"RIFF not really")
    assert status == 400 and "差し替えられませんでした" in page
    status, page = await upload(client, "/admin/messages/congestion", csrf, {},
                                "notes.txt", b"hello")
    assert status == 400 and "ファイルの種類が違います" in page
    monkeypatch.setattr(admin_messages, "MAX_MESSAGE", 1000)
    status, _ = await upload(client, "/admin/messages/congestion", csrf, {},
                             "big.wav", _wav(tmp_path / "e.wav"))
    assert status == 413
    status, _ = await upload(client, "/admin/messages/nothing", csrf, {}, "a.wav", b"x")
    assert status == 404
    async with database.engine.connect() as conn:
        installs = [e for e in await audit.entries(conn) if e.action == "message.install"]
    assert len(installs) == 2 and installs[0].obj == "message:congestion"
    assert not list((settings.paths.data_dir / "uploads").glob("*"))


async def test_hold_audio_is_listed_and_replaced_and_asterisk_is_asked_to_reload(
        client: TestClient, settings: Settings, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    csrf = await login(client, "kanri")
    page = await (await client.get("/admin/messages")).text()
    assert "保留音（hold）" in page and "合間は無音になります" in page
    assert "権利を持つ音源" in page
    assert "保留音" not in page.split("折返し回線は開きません")[0]  # it does not gate the line
    status, page = await upload(client, "/admin/messages/hold", csrf, {},
                                "music.wav", _wav(tmp_path / "h.wav", 2.0))
    assert status == 200 and "保留音を差し替えました" in page
    assert (settings.paths.sounds_dir / "hold" / "hold.wav").is_file()
    assert "合間は無音になります" not in page
    # the test app's AMI link never connects: the reload is asked for, and its failure logged
    assert "music-on-hold reload failed" in caplog.text
