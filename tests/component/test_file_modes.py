"""Everything the `dialer` command writes is private to its own user (SPEC: personal data and
secrets): the configuration it makes (AMI and trunk secrets), the database and its WAL, the
import's error report, the reports for the city, the rendered Asterisk configuration — files
0600, folders 0700, whatever umask the shell had."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dialer import config
from tests.component.conftest import Dialer
from tests.component.intake.files import BAD_ROWS, GOOD_ROWS, write_csv


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The shell's usual umask (022): without the command's own, files would be 0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    found = {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")}
    assert found, f"nothing written under {root}"
    return found


def loose(root: Path) -> dict[str, str]:
    """Every file not 0600 and folder not 0700 under ``root``, with its mode."""
    return {name: oct(mode) for name, mode in modes(root).items()
            if mode != (0o700 if (root / name).is_dir() else 0o600)}


def test_init_writes_the_configuration_privately(dialer: Dialer, tmp_path: Path) -> None:
    target = tmp_path / "etc" / "dialer.toml"
    code, _out, _err = dialer("init", str(target))
    assert code == 0
    assert oct(stat.S_IMODE(target.stat().st_mode)) == "0o600"
    assert oct(stat.S_IMODE(target.parent.stat().st_mode)) == "0o700"


def test_import_and_reports_leave_nothing_readable_by_others(dialer: Dialer, tmp_path: Path,
                                                            config_file: Path) -> None:
    settings = config.load(config_file)
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)
    code, _out, err = dialer("import", "--debt-type", "hoikuryo", "--month", "2027-01", str(path))
    assert code == 0, err
    code, _out, err = dialer("report", "daily", "--date", date(2027, 1, 12).isoformat())
    assert code == 0, err
    database = tmp_path / "centre.sqlite3"
    assert oct(stat.S_IMODE(database.stat().st_mode)) == "0o600"
    assert loose(settings.paths.data_dir) == {}
    assert loose(settings.paths.outbox_dir) == {}


def test_the_rendered_asterisk_configuration_is_private(dialer: Dialer, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    code, _out, err = dialer("asterisk", "render", "--out", str(out))
    assert code == 0, err
    assert loose(out) == {}
    assert (out / "manager.conf").exists()
