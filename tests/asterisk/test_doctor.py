"""`dialer doctor`, the preflight before going live: on the demo's built-in configuration it
names the placeholder secrets and every other gap (exit 1); on a hardened configuration pointed
at a real Asterisk (the sandbox: AMI login, its user's privileges, its clock) it exits 0."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dialer.cli import main
from dialer.pbx.sandbox import SandboxState
from tests.asterisk.kit import install_test_messages

pytestmark = pytest.mark.asterisk


def test_the_demo_configuration_is_not_ready(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIALER_CONFIG", raising=False)
    assert main(["doctor", "--offline"]) == 1
    out = capsys.readouterr().out
    assert "FIX   secrets     ami.secret: a placeholder" in out
    assert "web.public_origin is not an https origin" in out
    assert "to fix" in out


def hardened(state: SandboxState, root: Path, public: Path) -> Path:
    for folder in (root / "data", root / "keys", root / "backups"):
        folder.mkdir(mode=0o700, exist_ok=True)
    install_test_messages(public / "sounds")  # sounds Asterisk reads: not private
    ami = state.ami()
    path = root / "dialer.toml"
    path.write_text(f"""
[ami]
host = "{ami.host}"
port = {ami.port}
username = "{ami.username}"
secret = "{ami.secret}"

[paths]
data_dir = "data"
recordings_dir = "data/recordings"
outbox_dir = "data/outbox"
sounds_dir = "{public / 'sounds'}"
recordings_spool = "data/spool"

[asterisk]
conf_dir = "{state.host_inner / 'etc'}"

[web]
public_origin = "https://dialer.city.example"
trusted_proxies = ["127.0.0.1"]

[trunk]
sip_bind_host = "127.0.0.1"
max_lines = 10

[[seats]]
name = "seat01"
password = "a-long-seat-password-1"

[[seats]]
name = "seat02"
password = "a-long-seat-password-2"
""", encoding="utf-8")
    path.chmod(0o600)
    return path


async def test_a_hardened_configuration_on_a_real_asterisk_is_ready(
        sandbox_state: SandboxState, tmp_path: Path, public_dir: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert len(sandbox_state.ami_secret) >= 16, "the sandbox makes a long AMI secret"
    config_file = hardened(sandbox_state, tmp_path, public_dir)
    code = await asyncio.to_thread(main, ["--config", str(config_file), "doctor"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "OK    ami         the AMI user cannot run CLI commands" in out
    assert "writes only call, originate, system" in out  # read from the installed file
    assert "OK    clock" in out and "ready to go live" in out
    assert "FIX" not in out
