"""Single-purpose sipp callees for the real-Asterisk tier (tests/asterisk/sipp/*.xml)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from dialer.pbx import sipp
from dialer.pbx.sipp import SippRun, header

SCENARIOS = Path(__file__).with_name("sipp")

__all__ = ["SippRun", "header", "sipp_uas"]


@contextlib.asynccontextmanager
async def sipp_uas(scenario: str, port: int, workdir: Path, calls: int = 1,
                   timeout_s: float = 30.0) -> AsyncIterator[SippRun]:
    """A callee on 127.0.0.1:port running tests/asterisk/sipp/<scenario>.xml for ``calls`` calls."""
    async with sipp.running(["-sf", str(SCENARIOS / f"{scenario}.xml")], port, workdir,
                            calls=calls, trace=True, timeout_s=timeout_s) as run:
        yield run
