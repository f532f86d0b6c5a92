"""The three callback messages: conversion to what Asterisk plays, history, refusals, placeholders.

Input files are made here: WAV with the stdlib ``wave`` module, MP3 with ffmpeg (installed by
``make setup``). Output is checked by reading the WAV header with ``wave``, as Asterisk would.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import sys
import wave
from array import array
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dialer.adapters import audio
from dialer.config import Settings
from dialer.config_sections import PathSettings
from dialer.services.callbacks import messages
from dialer.services.callbacks.messages import MessageError, MessagesMissing


def write_wav(path: Path, seconds: float, *, rate: int = 44100, channels: int = 2,
              freqs: tuple[float, ...] = (440.0,), amplitude: float = 0.4) -> Path:
    samples = array("h")
    for i in range(int(seconds * rate)):
        value = sum(math.sin(2 * math.pi * f * i / rate) for f in freqs) / len(freqs)
        samples.extend([int(amplitude * 32767 * value)] * channels)
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return path


def header(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as wav:
        return (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(),
                wav.getnframes() / wav.getframerate())


def power_at(path: Path, frequency: float) -> float:
    """Goertzel: the power of one frequency in a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = array("h", wav.readframes(wav.getnframes()))
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coefficient * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coefficient * s1 * s2


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(Settings(), paths=replace(PathSettings(), sounds_dir=tmp_path / "sounds"))


@pytest.fixture(scope="module")
def city_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A city recording as it may arrive: 2 s, 44.1 kHz, stereo (read only: shared)."""
    return write_wav(tmp_path_factory.mktemp("city") / "city.wav", 2.0)


def test_stereo_44k_wav_is_installed_as_8k_mono_16_bit(settings: Settings,
                                                       city_wav: Path) -> None:
    done = messages.set_message(settings, "out_of_hours", city_wav)
    installed = settings.paths.sounds_dir / "out_of_hours.wav"
    rate, channels, width, seconds = header(installed)
    assert (rate, channels, width) == (8000, 1, 2)
    assert seconds == pytest.approx(2.0, abs=0.02)
    assert done.status.playable and done.previous is None and done.source == "city.wav"
    assert installed.stat().st_mode & 0o777 == 0o644  # Asterisk's user must read it
    assert power_at(installed, 440) > 100 * power_at(installed, 1000)  # the tone survived


def test_mp3_is_decoded_with_ffmpeg(settings: Settings, city_wav: Path, tmp_path: Path) -> None:
    mp3 = tmp_path / "city.mp3"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(city_wav), str(mp3)], check=True)
    messages.set_message(settings, "congestion", mp3)
    rate, channels, width, seconds = header(settings.paths.sounds_dir / "congestion.wav")
    assert (rate, channels, width) == (8000, 1, 2)
    assert seconds == pytest.approx(2.0, abs=0.1)  # MP3 adds encoder padding


def test_sound_above_4_khz_does_not_fold_back_into_the_speech_band(
        settings: Settings, tmp_path: Path) -> None:
    # 6 kHz sampled at 8 kHz would alias to 2 kHz, a whistle over the voice.
    source = write_wav(tmp_path / "mix.wav", 1.0, channels=1, freqs=(1000.0, 6000.0))
    messages.set_message(settings, "out_of_hours", source)
    installed = settings.paths.sounds_dir / "out_of_hours.wav"
    assert power_at(installed, 2000) < 0.01 * power_at(installed, 1000)


def test_without_ffmpeg_wav_still_converts_and_mp3_is_refused_clearly(
        settings: Settings, city_wav: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    mp3 = tmp_path / "city.mp3"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(city_wav), str(mp3)], check=True)
    monkeypatch.setattr(audio, "_ffmpeg", lambda: None)
    messages.set_message(settings, "out_of_hours", city_wav)
    rate, channels, width, seconds = header(settings.paths.sounds_dir / "out_of_hours.wav")
    assert (rate, channels, width) == (8000, 1, 2)
    assert seconds == pytest.approx(2.0, abs=0.02)
    with pytest.raises(MessageError, match=r"ffmpeg .* is not installed"):
        messages.set_message(settings, "congestion", mp3)


def test_each_replaced_version_is_kept_and_never_overwritten(
        settings: Settings, tmp_path: Path) -> None:
    first = write_wav(tmp_path / "a.wav", 1.0, freqs=(500.0,))
    second = write_wav(tmp_path / "b.wav", 1.0, freqs=(700.0,))
    installed = settings.paths.sounds_dir / "out_of_period.wav"
    contents = []
    for source in (first, second, first):  # quick succession: same second, distinct names
        done = messages.set_message(settings, "out_of_period", source)
        contents.append(installed.read_bytes())
    history = sorted((settings.paths.sounds_dir / "history").iterdir())
    assert len(history) == 2 and done.status.previous_versions == 2
    assert {p.read_bytes() for p in history} == {contents[0], contents[1]}
    assert done.previous is not None and done.previous.read_bytes() == contents[1]
    assert all(p.name.startswith("out_of_period-") for p in history)


def test_installing_the_same_audio_again_changes_nothing(
        settings: Settings, city_wav: Path) -> None:
    messages.set_message(settings, "congestion", city_wav)
    again = messages.set_message(settings, "congestion", city_wav)
    assert again.unchanged and again.previous is None
    assert not (settings.paths.sounds_dir / "history").exists()


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 40)


def _silent(path: Path) -> None:
    write_wav(path, 2.0, amplitude=0.0)


def _short(path: Path) -> None:
    write_wav(path, 0.3)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _no_frames(path: Path) -> None:
    write_wav(path, 0.0)


def _too_long(path: Path) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x00\x10" * 8000 * 601)


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("garbage.wav", _garbage, "not an audio file that can be read"),
    ("garbage.mp3", _garbage, "not an audio file that can be read"),
    ("silent.wav", _silent, "silent"),
    ("short.wav", _short, r"too short \(0.30 s; at least 0.5 s\)"),
    ("empty.wav", _empty, "the file is empty"),
    ("noframes.wav", _no_frames, "contains no audio"),
    ("long.wav", _too_long, "longer than 10 minutes"),
])
def test_refused_files_leave_the_installed_message_alone(
        settings: Settings, city_wav: Path, tmp_path: Path, name: str,
        make: object, reason: str) -> None:
    messages.set_message(settings, "out_of_hours", city_wav)
    before = sorted(p.name for p in settings.paths.sounds_dir.rglob("*"))
    installed = (settings.paths.sounds_dir / "out_of_hours.wav").read_bytes()
    bad = tmp_path / name
    make(bad)  # type: ignore[operator]
    with pytest.raises(MessageError, match=reason) as refused:
        messages.set_message(settings, "out_of_hours", bad)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(f"out_of_hours: refused {name}: ")
    assert (settings.paths.sounds_dir / "out_of_hours.wav").read_bytes() == installed
    assert sorted(p.name for p in settings.paths.sounds_dir.rglob("*")) == before  # no tmp left


def test_a_file_that_is_not_there_and_an_unknown_name_are_refused(
        settings: Settings, city_wav: Path, tmp_path: Path) -> None:
    with pytest.raises(MessageError, match="no such file"):
        messages.set_message(settings, "congestion", tmp_path / "nope.wav")
    with pytest.raises(MessageError, match="unknown message 'busy'"):
        messages.set_message(settings, "busy", city_wav)


def test_missing_counts_absent_and_unplayable_messages(
        settings: Settings, city_wav: Path) -> None:
    assert messages.missing(settings) == ["out_of_hours", "out_of_period", "congestion"]
    messages.set_message(settings, "out_of_period", city_wav)
    # A file copied in by hand, as the city sent it: Asterisk says "Not in mono".
    shutil.copyfile(city_wav, settings.paths.sounds_dir / "congestion.wav")
    assert messages.missing(settings) == ["out_of_hours", "congestion"]
    congestion = messages.status(settings, "congestion")
    assert congestion.installed and not congestion.playable
    assert (congestion.frame_rate, congestion.channels) == (44100, 2)
    with pytest.raises(MessagesMissing, match="out_of_hours, congestion") as refused:
        messages.require_all(settings)
    assert refused.value.names == ["out_of_hours", "congestion"]
    assert "dialer messages set" in str(refused.value)
    messages.set_message(settings, "out_of_hours", city_wav)
    messages.set_message(settings, "congestion", city_wav)
    messages.require_all(settings)
    assert messages.missing(settings) == []


def test_status_reads_the_installed_file(settings: Settings, city_wav: Path) -> None:
    messages.set_message(settings, "congestion", city_wav)
    found = {s.name: s for s in messages.list_messages(settings)}
    congestion = found["congestion"]
    path = settings.paths.sounds_dir / "congestion.wav"
    assert congestion.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert congestion.duration_s == pytest.approx(2.0, abs=0.02)
    assert congestion.source == "city.wav" and congestion.label == "混雑時応答メッセージ"
    assert congestion.installed_at is not None
    assert datetime.now(UTC) - congestion.installed_at < timedelta(minutes=1)
    assert found["out_of_hours"].problem == "missing" and found["out_of_hours"].sha256 is None
    path.write_bytes(path.read_bytes()[:-2] + b"\x01\x02")  # edited outside dialer
    assert messages.status(settings, "congestion").source is None


def test_placeholders_speak_japanese_for_the_missing_messages_only(
        settings: Settings, city_wav: Path) -> None:
    messages.set_message(settings, "congestion", city_wav)
    made = messages.install_placeholders(settings, names=messages.NAMES)
    assert sorted(made) == ["out_of_hours", "out_of_period"]
    for name, done in made.items():
        assert done.source == "placeholder (espeak-ng)"
        assert header(settings.paths.sounds_dir / f"{name}.wav")[:3] == (8000, 1, 2)
        assert done.status.duration_s is not None and done.status.duration_s > 3
    assert messages.status(settings, "congestion").source == "city.wav"
    assert messages.install_placeholders(settings, names=messages.NAMES) == {}


def test_forced_placeholders_replace_and_keep_the_city_recording(
        settings: Settings, city_wav: Path) -> None:
    messages.set_message(settings, "congestion", city_wav)
    city = (settings.paths.sounds_dir / "congestion.wav").read_bytes()
    made = messages.install_placeholders(settings, force=True)
    assert sorted(made) == sorted(messages.ALL_NAMES)
    assert made["congestion"].previous is not None
    assert made["congestion"].previous.read_bytes() == city


def test_placeholders_fall_back_to_tones_without_espeak(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(audio.shutil, "which",
                        lambda cmd: None if cmd == "espeak-ng" else real_which(cmd))
    made = messages.install_placeholders(settings, names=messages.NAMES)
    assert {d.source for d in made.values()} == {"placeholder (tones)"}
    messages.require_all(settings)
    durations = {n: header(settings.paths.sounds_dir / f"{n}.wav")[3] for n in made}
    assert all(0.5 <= d <= 3 for d in durations.values())
    assert durations["out_of_period"] > durations["out_of_hours"]  # three tones against two


def test_a_corrupt_installed_file_counts_as_missing(settings: Settings, city_wav: Path) -> None:
    for name in messages.NAMES:
        messages.set_message(settings, name, city_wav)
    (settings.paths.sounds_dir / "out_of_period.wav").write_bytes(b"not a wav at all")
    assert messages.missing(settings) == ["out_of_period"]
    problem = messages.status(settings, "out_of_period").problem
    assert problem is not None and problem.startswith("not a PCM WAV file")
