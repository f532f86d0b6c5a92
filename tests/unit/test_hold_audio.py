"""The hold audio waiting callers hear between congestion messages: installed like the messages
into ``<sounds_dir>/hold/`` (musiconhold.conf's folder), never gating the callback line, a chime
as its placeholder, and a running Asterisk asked to reload res_musiconhold after it changes."""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import cast

import pytest

from dialer.adapters.ami import AmiError, AmiLink
from dialer.config import Settings
from dialer.config_sections import AmiSettings, AsteriskSettings, PathSettings
from dialer.services.callbacks import hold_music, messages
from dialer.services.callbacks.messages import MessageError
from dialer.services.runtime import doctor
from tests.unit.test_messages import header, power_at, write_wav


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    conf = tmp_path / "etc"
    conf.mkdir()
    (conf / "musiconhold.conf").write_text("[dialer-hold]\n")
    return replace(Settings(), paths=replace(PathSettings(), sounds_dir=tmp_path / "sounds"),
                   asterisk=replace(AsteriskSettings(), conf_dir=conf))


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """What a centre may own: 3 s of 44.1 kHz stereo."""
    return write_wav(tmp_path / "music.wav", 3.0, freqs=(523.0, 659.0))


def hold_folder(settings: Settings) -> Path:
    return settings.paths.sounds_dir / "hold"


def test_hold_audio_is_installed_in_the_folder_asterisk_plays_on_hold(
        settings: Settings, music: Path) -> None:
    done = messages.set_message(settings, "hold", music)
    installed = hold_folder(settings) / "hold.wav"
    assert done.status.path == str(installed) and done.status.playable
    assert header(installed)[:3] == (8000, 1, 2)
    assert installed.stat().st_mode & 0o777 == 0o644  # Asterisk's user reads it
    assert stat.S_IMODE(hold_folder(settings).stat().st_mode) == 0o755
    assert done.status.label == "保留音" and done.source == "music.wav"


def test_a_replaced_hold_audio_is_kept_outside_the_folder_asterisk_plays(
        settings: Settings, music: Path, tmp_path: Path) -> None:
    messages.set_message(settings, "hold", music)
    first = (hold_folder(settings) / "hold.wav").read_bytes()
    done = messages.set_message(settings, "hold", write_wav(tmp_path / "b.wav", 2.0))
    assert done.previous is not None and done.previous.read_bytes() == first
    assert done.previous.parent == settings.paths.sounds_dir / "history"
    assert done.previous.name.startswith("hold-") and done.status.previous_versions == 1
    # res_musiconhold plays every file of the folder (dot files aside): only hold.wav there
    assert [p.name for p in hold_folder(settings).iterdir()
            if not p.name.startswith(".")] == ["hold.wav"]


def test_a_bad_file_is_refused_clearly_and_the_hold_audio_stays(
        settings: Settings, music: Path, tmp_path: Path) -> None:
    messages.set_message(settings, "hold", music)
    before = sorted(p.name for p in settings.paths.sounds_dir.rglob("*"))
    installed = (hold_folder(settings) / "hold.wav").read_bytes()
    bad = tmp_path / "hold.mp3"
    bad.write_bytes(b"ID3 not audio" * 100)
    with pytest.raises(MessageError, match=r"^hold: refused hold.mp3: not an audio file"):
        messages.set_message(settings, "hold", bad)
    with pytest.raises(MessageError, match="silent"):
        messages.set_message(settings, "hold", write_wav(tmp_path / "s.wav", 2.0, amplitude=0))
    assert (hold_folder(settings) / "hold.wav").read_bytes() == installed
    assert sorted(p.name for p in settings.paths.sounds_dir.rglob("*")) == before


def test_the_callback_line_opens_without_hold_audio(settings: Settings, music: Path) -> None:
    for name in messages.NAMES:
        messages.set_message(settings, name, music)
    messages.require_all(settings)  # no hold audio: the line still opens
    assert messages.missing(settings) == [] and messages.hold_missing(settings)
    listed = messages.list_messages(settings)
    assert [s.name for s in listed] == ["out_of_hours", "out_of_period", "congestion", "hold"]
    assert listed[-1].problem == "missing"
    messages.set_message(settings, "hold", music)
    assert not messages.hold_missing(settings)


def test_the_placeholder_is_a_soft_330_hz_chime_not_speech(settings: Settings) -> None:
    messages.install_hold_placeholder(settings)
    installed = hold_folder(settings) / "hold.wav"
    rate, channels, width, seconds = header(installed)
    assert (rate, channels, width) == (8000, 1, 2) and 10 <= seconds <= 20
    assert power_at(installed, 330) > 100 * power_at(installed, 440)  # not the congestion tone
    assert power_at(installed, 330) > 100 * power_at(installed, 1000)  # no speech band energy
    status = messages.status(settings, "hold")
    assert status.source == "placeholder (chime)"
    assert not (settings.paths.sounds_dir / "congestion.wav").exists()  # only the hold audio


def test_the_placeholder_never_replaces_installed_hold_audio(
        settings: Settings, music: Path) -> None:
    messages.set_message(settings, "hold", music)
    messages.install_hold_placeholder(settings)
    assert messages.status(settings, "hold").source == "music.wav"
    made = messages.install_placeholders(settings, force=True, names=("hold",))
    assert made["hold"].source == "placeholder (chime)" and made["hold"].previous is not None


def test_doctor_says_when_callers_would_hear_silence(settings: Settings, music: Path) -> None:
    def said() -> list[doctor.Finding]:
        return [f for f in doctor.offline(settings, None) if "hold audio" in f.text]

    [missing] = said()
    assert missing.level is doctor.Level.NOTE
    assert "callers hear silence between congestion messages" in missing.text
    assert "dialer messages set hold FILE" in missing.text
    messages.set_message(settings, "hold", music)
    [present] = said()
    assert present.level is doctor.Level.OK


class FakeAmi:
    def __init__(self, refuse: bool = False) -> None:
        self.reloads = 0
        self.refuse = refuse

    async def reload_music_on_hold(self) -> None:
        if self.refuse:
            raise AmiError("music-on-hold reload refused: Permission denied")
        self.reloads += 1


def test_reload_touches_musiconhold_conf_then_reloads_the_module(settings: Settings) -> None:
    conf = settings.asterisk.conf_dir / "musiconhold.conf"
    os.utime(conf, (1_000_000, 1_000_000))
    ami = FakeAmi()
    asyncio.run(hold_music.reload(cast(AmiLink, ami), settings))
    assert ami.reloads == 1
    assert conf.stat().st_mtime > 1_000_000  # so res_musiconhold re-reads its classes
    assert conf.read_text() == "[dialer-hold]\n"


def test_the_services_reload_logs_a_refusal_instead_of_raising(settings: Settings) -> None:
    done = hold_music.HoldMusic(cast(AmiLink, FakeAmi(refuse=True)), lambda: settings)
    assert asyncio.run(done.reload()) is False
    assert asyncio.run(hold_music.HoldMusic(cast(AmiLink, FakeAmi()), lambda: settings)
                       .reload()) is True


def test_without_a_reachable_asterisk_the_reason_is_returned(settings: Settings) -> None:
    unreachable = replace(settings, ami=replace(AmiSettings(), port=1, connect_timeout_s=0.3))
    failed = asyncio.run(hold_music.reload_running(unreachable))
    assert failed is not None
    assert hold_music.reload_command(settings) == (
        f"touch {settings.asterisk.conf_dir}/musiconhold.conf && "
        "asterisk -rx 'module reload res_musiconhold.so'")
