"""A missing host prerequisite is a one-line instruction, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_dialer(*args: str, path_env: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args], capture_output=True, text=True, cwd=cwd,
        env={"PATH": path_env, "HOME": str(cwd)}, check=False, timeout=60,
    )


def test_missing_mmdebstrap_says_what_to_install(tmp_path: Path) -> None:
    result = run_dialer("sandbox", "build", "--refresh", path_env=str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "apt-get install mmdebstrap" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_chroot_says_what_to_install(tmp_path: Path) -> None:
    result = run_dialer("sandbox", "up", "--dir", str(tmp_path / "s"), path_env=str(tmp_path),
                        cwd=tmp_path)
    assert result.returncode == 2
    assert "apt-get install coreutils" in result.stderr
    assert "Traceback" not in result.stderr
