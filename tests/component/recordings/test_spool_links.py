"""A symbolic link planted in the recordings spool (named like a recording) never makes the
service wipe, seal or read the file it points to: the orphan sweep and the shredder only remove
the link; sealing refuses it."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from dialer.adapters.recording_vault import Vault, VaultError, shred
from dialer.services.recordings.recorder import _spool_files

PRECIOUS = b"SQLite format 3\x00" + b"the centre's database" * 100


def plant(spool: Path, target: Path) -> Path:
    spool.mkdir(parents=True, exist_ok=True)
    link = spool / f"{secrets.token_hex(16)}.wav"
    link.symlink_to(target)
    return link


def test_the_sweep_removes_a_planted_link_and_leaves_its_target(tmp_path: Path) -> None:
    target = tmp_path / "dialer.sqlite3"
    target.write_bytes(PRECIOUS)
    link = plant(tmp_path / "spool", target)
    [found] = _spool_files(tmp_path / "spool")
    assert found == link
    assert shred(found) is True
    assert not link.exists() and not link.is_symlink()
    assert target.read_bytes() == PRECIOUS


def test_sealing_refuses_a_link(tmp_path: Path) -> None:
    target = tmp_path / "dialer.sqlite3"
    target.write_bytes(PRECIOUS)
    link = plant(tmp_path / "spool", target)
    vault = Vault(tmp_path / "store", tmp_path / "keys" / "recordings.key")
    with pytest.raises(VaultError, match="symbolic link"):
        vault.seal(link, link.stem)
    assert target.read_bytes() == PRECIOUS
    assert not list((tmp_path / "store").glob("*.rec"))
