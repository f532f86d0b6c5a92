"""sipp (Debian's sip-tester) as real SIP phones on loopback: simulated residents behind the
carrier and simulated operator phones, for the sandbox, the tests and the demo."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dialer.pbx import ports
from dialer.pbx.prerequisites import require_command

SCENARIOS = Path(__file__).with_name("sipp")
RESIDENTS = SCENARIOS / "residents.xml"
CALLER = SCENARIOS / "caller.xml"
SEAT_HANGS_UP = SCENARIOS / "seat_hangs_up.xml"
BIND_TIMEOUT_S = 4.0
START_ATTEMPTS = 3


@dataclass
class SippRun:
    process: asyncio.subprocess.Process
    port: int
    message_log: Path | None

    def messages(self) -> list[str]:
        """Every SIP message sipp sent or received, in order (needs a message log)."""
        if self.message_log is None or not self.message_log.is_file():
            return []
        blocks = re.split(r"^-{10,}.*$", self.message_log.read_text(errors="replace"), flags=re.M)
        return [_body(b) for b in blocks if b.strip()]

    def received(self, method: str) -> list[str]:
        return [m for m in self.messages() if re.search(rf"^\s*{method} sip:", m, re.M)]

    async def stop(self, grace_s: float = 5.0) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_s):
                    await self.process.wait()
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


def _body(block: str) -> str:
    """A trace block without sipp's 'UDP message received [N] bytes :' line."""
    lines = block.strip().splitlines()
    if lines and "message" in lines[0] and "bytes" in lines[0]:
        lines = lines[1:]
    return "\n".join(lines).strip()


def header(message: str, name: str) -> str | None:
    match = re.search(rf"^\s*{re.escape(name)}:\s*(.+?)\s*$", message, re.M | re.I)
    return match.group(1) if match else None


async def start(scenario: Sequence[str], port: int, workdir: Path, *, calls: int = 0,
                trace: bool = False, timeout_s: float = 0) -> SippRun:
    """Start sipp with ``scenario`` (e.g. ``["-sf", path]`` or ``["-sn", "uas"]``) on
    127.0.0.1:``port``; returns once it listens. ``calls`` 0 means unlimited."""
    binary = require_command("sipp", "sip-tester", "simulated phones")
    log = workdir / f"sipp-{port}-messages.log" if trace else None
    args = [binary, *scenario, "-i", "127.0.0.1", "-p", str(port), "-nostdin",
            "-max_recv_loops", "10000"]
    if calls:
        args += ["-m", str(calls)]
    if timeout_s:
        args += ["-timeout", f"{int(timeout_s)}s", "-timeout_error"]
    if log is not None:
        log.unlink(missing_ok=True)
        args += ["-trace_msg", "-message_file", str(log)]
    for attempt in range(START_ATTEMPTS):
        process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, cwd=workdir,
        )
        try:
            await _until_listening(process, port)
            return SippRun(process, port, log)
        except RuntimeError:
            await _reap(process)
            if attempt == START_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.5)  # the port may still be held by a sipp that is closing
        except BaseException:
            await _reap(process)
            raise
    raise AssertionError("unreachable")


async def _reap(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await process.wait()


async def _until_listening(process: asyncio.subprocess.Process, port: int) -> None:
    """sipp binds its port some milliseconds after it starts: calls sent before are lost."""
    for _ in range(int(BIND_TIMEOUT_S / 0.02)):
        if not ports.udp_port_is_free(port):
            await asyncio.sleep(0.05)  # bound by this sipp, or by another that makes it exit
            if process.returncode is None:
                return
            continue
        if process.returncode is not None:
            stderr = await process.stderr.read() if process.stderr else b""
            raise RuntimeError(f"sipp exited at start: {stderr.decode(errors='replace')[-500:]}")
        await asyncio.sleep(0.02)
    raise RuntimeError(f"sipp did not bind 127.0.0.1:{port} within {BIND_TIMEOUT_S} s")


@contextlib.asynccontextmanager
async def running(scenario: Sequence[str], port: int, workdir: Path, *, calls: int = 0,
                  trace: bool = False, timeout_s: float = 0) -> AsyncIterator[SippRun]:
    """sipp for the body of a ``with``; an unlimited one is terminated at the end."""
    run = await start(scenario, port, workdir, calls=calls, trace=trace, timeout_s=timeout_s)
    try:
        yield run
    finally:
        if run.process.returncode is None and not calls:
            run.process.terminate()
        await run.stop()


def seat_hanging_up(workdir: Path, after_ms: int) -> list[str]:
    """sipp arguments for a seat phone that answers its session and hangs up ``after_ms``
    later (run with ``running`` on the sandbox's phones port)."""
    scenario = workdir / f"seat-hangs-up-{after_ms}.xml"
    scenario.write_text(SEAT_HANGS_UP.read_text().replace("HANGUP_MS", str(after_ms)))
    return ["-sf", str(scenario)]


async def call_in(asterisk_sip_port: int, from_port: int, dedicated: str, caller: str,
                  workdir: Path, wait_ms: int = 30000) -> SippRun:
    """One resident calling the dedicated number from ``caller``; returns the running sipp.

    The caller listens until the centre hangs up, or hangs up after ``wait_ms``."""
    scenario = workdir / f"caller-{wait_ms}.xml"
    scenario.write_text(CALLER.read_text().replace("WAIT_MS", str(wait_ms)))
    numbers = workdir / f"caller-{caller}.csv"
    numbers.write_text(f"SEQUENTIAL\n{caller};\n")
    return await start(["-sf", str(scenario), "-s", dedicated, "-inf", str(numbers),
                        f"127.0.0.1:{asterisk_sip_port}"], from_port, workdir, calls=1,
                       timeout_s=wait_ms / 1000 + 30)
