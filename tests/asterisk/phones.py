"""sipp (Debian's sip-tester) as real SIP phones on loopback, for the real-Asterisk tier."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from dialer.pbx import ports

SCENARIOS = Path(__file__).with_name("sipp")


def sipp_binary() -> str:
    path = shutil.which("sipp")
    if path is None:
        raise RuntimeError("sipp is missing: apt-get install sip-tester (make setup does it)")
    return path


@dataclass
class SippRun:
    process: asyncio.subprocess.Process
    message_log: Path

    def messages(self) -> list[str]:
        """Every SIP message sipp sent or received, in order."""
        if not self.message_log.is_file():
            return []
        text = self.message_log.read_text(errors="replace")
        blocks = re.split(r"^-{10,}.*$", text, flags=re.M)
        return [_body(b) for b in blocks if b.strip()]

    def received(self, method: str) -> list[str]:
        return [m for m in self.messages() if re.search(rf"^\s*{method} sip:", m, re.M)]


def _body(block: str) -> str:
    """A trace block without sipp's 'UDP message received [N] bytes :' line."""
    lines = block.strip().splitlines()
    if lines and "message" in lines[0] and "bytes" in lines[0]:
        lines = lines[1:]
    return "\n".join(lines).strip()


async def _until_listening(process: asyncio.subprocess.Process, port: int) -> None:
    """sipp binds its port some milliseconds after it starts: calls sent before are lost."""
    for _ in range(200):
        if not ports.udp_port_is_free(port):
            return
        if process.returncode is not None:
            stderr = await process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"sipp exited at start: {stderr.decode(errors='replace')[-500:]}")
        await asyncio.sleep(0.02)
    raise RuntimeError(f"sipp did not bind 127.0.0.1:{port} within 4 s")


def header(message: str, name: str) -> str | None:
    match = re.search(rf"^\s*{re.escape(name)}:\s*(.+?)\s*$", message, re.M | re.I)
    return match.group(1) if match else None


@contextlib.asynccontextmanager
async def sipp_uas(scenario: str, port: int, workdir: Path, calls: int = 1,
                   timeout_s: float = 30.0) -> AsyncIterator[SippRun]:
    """A callee on 127.0.0.1:port running tests/asterisk/sipp/<scenario>.xml for ``calls`` calls."""
    log = workdir / f"{scenario}-{port}-messages.log"
    log.unlink(missing_ok=True)
    process = await asyncio.create_subprocess_exec(
        sipp_binary(), "-sf", str(SCENARIOS / f"{scenario}.xml"), "-i", "127.0.0.1",
        "-p", str(port), "-m", str(calls), "-trace_msg", "-message_file", str(log),
        "-timeout", f"{int(timeout_s)}s", "-timeout_error", "-nostdin",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, cwd=workdir,
    )
    run = SippRun(process, log)
    try:
        await _until_listening(process, port)
        yield run
    finally:
        if process.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 5)
        if process.returncode is None:
            process.kill()
            await process.wait()
