"""A scratch folder another user can reach (pytest's own temporary folders are 0700): for what
Asterisk, running as its own user, reads."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def public_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="dialer-public-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
