"""`dialer messages set | list | placeholders`, as an administrator types them."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from dialer.cli import main
from tests.unit.test_messages import write_wav


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "dialer.toml"
    path.write_text('[paths]\nsounds_dir = "sounds"\n'  # no Asterisk there: refused at once
                    '[ami]\nport = 1\nconnect_timeout_s = 0.5\n', encoding="utf-8")
    return str(path)


def test_set_then_list(cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city = write_wav(tmp_path / "時間外.wav", 1.5)
    assert main(["--config", cfg, "messages", "set", "out_of_hours", str(city)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("out_of_hours: installed 1.50 s, 8000 Hz mono 16-bit, sha256 ")
    assert "from 時間外.wav" in out and "previous" not in out
    assert main(["--config", cfg, "messages", "set", "out_of_hours", str(city)]) == 0
    assert "unchanged" in capsys.readouterr().out

    assert main(["--config", cfg, "messages", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"messages in {tmp_path / 'sounds'}")
    assert lines[1].split()[:7] == ["out_of_hours", "installed", "1.50", "s", "8000", "Hz",
                                    "mono"]
    assert lines[1].endswith("0 previous  対応時間外応答メッセージ")
    assert lines[2].split()[:2] == ["out_of_period", "MISSING"]
    assert lines[3].split()[:2] == ["congestion", "MISSING"]
    assert lines[4].split()[:2] == ["hold", "MISSING"]
    assert lines[5].startswith("missing or unplayable: out_of_period, congestion;")
    assert lines[6] == ("no hold audio: callers hear silence between congestion messages "
                        "(dialer messages set hold FILE)")


def test_list_json(cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_wav(tmp_path / "a.wav", 1.0, freqs=(500.0,))
    second = write_wav(tmp_path / "b.wav", 1.0, freqs=(600.0,))
    for source in (first, second):
        assert main(["--config", cfg, "messages", "set", "congestion", str(source)]) == 0
    assert "previous version kept as " in capsys.readouterr().out
    assert main(["--config", cfg, "messages", "list", "--json"]) == 0
    found = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert list(found) == ["out_of_hours", "out_of_period", "congestion", "hold"]
    congestion = found["congestion"]
    assert (congestion["frame_rate"], congestion["channels"], congestion["sample_width"]) == (
        8000, 1, 2)
    assert congestion["playable"] and congestion["previous_versions"] == 1
    assert congestion["source"] == "b.wav" and len(congestion["sha256"]) == 64
    assert found["out_of_hours"]["installed"] is False


def test_refusal_is_one_line_without_traceback(
        cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "message.mp3"
    bad.write_bytes(b"ID3 this is not audio" * 100)
    assert main(["--config", cfg, "messages", "set", "congestion", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == ("dialer: congestion: refused message.mp3: not an audio file that can be read "
                   "(corrupt or unknown format)\n")
    assert not (tmp_path / "sounds" / "congestion.wav").exists()


def test_unknown_message_name_is_a_usage_error(cfg: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--config", cfg, "messages", "set", "busy", str(tmp_path / "x.wav")])
    assert exited.value.code == 2


def test_placeholders(cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", cfg, "messages", "placeholders", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert sorted(made) == ["congestion", "hold", "out_of_hours", "out_of_period"]
    assert {m["from"] for n, m in made.items() if n != "hold"} == {"placeholder (espeak-ng)"}
    assert made["hold"]["from"] == "placeholder (chime)"
    for name in made:
        with wave.open(made[name]["path"], "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
    assert main(["--config", cfg, "messages", "placeholders"]) == 0
    assert capsys.readouterr().out.startswith("all messages are installed; nothing generated")
    assert main(["--config", cfg, "messages", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "all 3 messages playable"


def test_set_and_list_in_a_sandbox(cfg: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`--sandbox DIR`: the message goes where that sandbox's Asterisk plays it from."""
    folder = tmp_path / "sbx"
    folder.mkdir()
    (folder / "sandbox.json").write_text(json.dumps({
        "dir": str(folder), "root": str(tmp_path / "root"), "inner": "/instances/x", "pid": 0,
        "ami_port": 1, "ami_username": "u", "ami_secret": "s", "sip_port": 2,
        "carrier_port": 3, "phones_port": 4, "callers_port": 5, "agi_port": 6,
        "seats": ["seat01"], "rtp_start": 7, "rtp_end": 8, "version": ""}))
    city = write_wav(tmp_path / "混雑.wav", 1.0)
    assert main(["--config", cfg, "messages", "set", "congestion", str(city),
                 "--sandbox", str(folder)]) == 0
    assert (tmp_path / "root/instances/x/sounds/congestion.wav").is_file()
    assert not (tmp_path / "sounds" / "congestion.wav").exists()
    capsys.readouterr()
    assert main(["--config", cfg, "messages", "list", "--sandbox", str(folder)]) == 0
    assert "root/instances/x/sounds" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no sandbox in"):
        main(["--config", cfg, "messages", "list", "--sandbox", str(tmp_path / "none")])


def test_set_hold_asks_asterisk_to_reload_or_says_how(
        cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    music = write_wav(tmp_path / "music.wav", 3.0)
    assert main(["--config", cfg, "messages", "set", "hold", str(music)]) == 0
    first, reload = capsys.readouterr().out.splitlines()
    assert first.startswith("hold: installed 3.00 s, 8000 Hz mono 16-bit")
    assert (tmp_path / "sounds" / "hold" / "hold.wav").is_file()
    assert reload.startswith("Asterisk not reached (")
    assert "`dialer serve` reloads it at start" in reload
    assert reload.endswith("asterisk -rx 'module reload res_musiconhold.so'")
    assert main(["--config", cfg, "messages", "set", "hold", str(music)]) == 0
    assert "Asterisk" not in capsys.readouterr().out  # unchanged: nothing to reload
    assert main(["--config", cfg, "messages", "list"]) == 0
    out = capsys.readouterr().out
    assert "no hold audio" not in out and out.splitlines()[4].split()[:2] == ["hold", "installed"]
