"""baresip (Debian's ``baresip-core``) as a real registering seat phone for the sandbox tests:
headless (a WAV file as its microphone, no sound card), auto-answering, controlled over
``ctrl_tcp``; what it hears is kept by ``sndfile`` as WAV files in its folder. Its whole
configuration lives in a folder of the test's own (``baresip -f``), never the user's home."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import struct
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from dialer.pbx import ports

MODULES = Path("/usr/lib/baresip/modules")
PHONE_TONE_HZ = 1000  # what the phone's microphone picks up
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


def account_line(seat: str, password: str, registrar_port: int) -> str:
    """The seat's baresip account: registers to the sandbox's SIP port with the seat's
    password, answers the all-shift seat session by itself, G.711 only, DTMF as RFC 4733."""
    return (f"<sip:{seat}@127.0.0.1:{registrar_port};transport=udp>"
            f";auth_pass={password};answermode=auto;audio_codecs=PCMU,PCMA"
            ";dtmfmode=rtpevent;regint=600")


def config_text(folder: Path, sip_port: int, ctrl_port: int, rtp_start: int) -> str:
    return "\n".join([
        "poll_method epoll",
        f"sip_listen 127.0.0.1:{sip_port}",
        "sip_transports udp",
        f"rtp_ports {rtp_start}-{rtp_start + 9}",
        f"audio_source aufile,{folder / 'microphone.wav'}",
        "audio_player aubridge,speaker",  # nowhere: the call's audio is kept by sndfile
        "audio_alert aubridge,alert",
        "ausrc_srate 8000",
        "ausrc_channels 1",
        "auplay_srate 8000",
        "auplay_channels 1",
        f"snd_path {folder / 'heard'}",
        f"module_path {MODULES}",
        "module g711.so",
        "module aufile.so",
        "module aubridge.so",
        "module sndfile.so",
        "module_app account.so",
        "module_app menu.so",
        "module_app ctrl_tcp.so",
        f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        "",
    ])


def write_tone(path: Path, seconds: float, hz: int) -> None:
    """An 8 kHz mono 16-bit WAV tone (baresip's aufile plays it as the microphone)."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * n / 8000)))
                      for n in range(int(8000 * seconds)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(frames)


def tone_level(samples: list[int], hz: int, rate: int = 8000) -> float:
    """How much of ``samples`` is a ``hz`` tone (Goertzel), relative to their energy: near
    1 for a pure tone, near 0 for anything else or silence."""
    if not samples:
        return 0.0
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    energy = sum(x * x for x in samples)
    return 0.0 if energy == 0 else 2 * power / (len(samples) * energy)


def read_samples(path: Path) -> tuple[list[int], int]:
    """A 16-bit mono WAV's samples and rate."""
    with wave.open(str(path), "rb") as source:
        raw = source.readframes(source.getnframes())
        rate = source.getframerate()
    return [v for (v,) in struct.iter_unpack("<h", raw)], rate


@dataclass
class Baresip:
    process: asyncio.subprocess.Process
    folder: Path
    ctrl_port: int
    output: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    async def wait_for(self, pattern: str, timeout_s: float, after: int = 0) -> str:
        """The first output line (from index ``after``) matching ``pattern``."""
        regex = re.compile(pattern)
        async with asyncio.timeout(timeout_s):
            while True:
                for line in self.output[after:]:
                    if regex.search(line):
                        return line
                if self.process.returncode is not None:
                    raise RuntimeError(f"baresip exited: {self.output[-10:]}")
                await asyncio.sleep(0.05)

    async def command(self, command: str, params: str = "") -> dict[str, object]:
        """A ``ctrl_tcp`` command (``hangup``, ``reginfo``…): its JSON response."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
        try:
            body = json.dumps({"command": command, "params": params, "token": "t"}).encode()
            writer.write(f"{len(body)}:".encode() + body + b",")
            await writer.drain()
            while True:
                size = int((await reader.readuntil(b":"))[:-1])
                message = json.loads((await reader.readexactly(size + 1))[:-1])
                if message.get("response"):
                    return dict(message)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def freeze(self) -> None:
        """Like a phone off the network: it neither answers nor sends anything."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Like a phone losing power: no BYE, no goodbye."""
        self.process.kill()

    async def stop(self) -> None:
        """baresip's own shutdown (SIGTERM): it hangs up its calls and unregisters."""
        if self.process.returncode is None:
            self.thaw()
            self.process.terminate()
            try:
                async with asyncio.timeout(STOP_TIMEOUT_S):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
        await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def heard(self) -> list[Path]:
        """The WAV files of what the phone received (decoded), newest last."""
        return sorted((self.folder / "heard").glob("dump-*-dec.wav"),
                      key=lambda p: p.stat().st_mtime)


def prepare(folder: Path, seat: str, password: str, registrar_port: int) -> int:
    """Write the phone's configuration, account and microphone into ``folder``; returns the
    port its ``ctrl_tcp`` listens on."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heard").mkdir(exist_ok=True)
    write_tone(folder / "microphone.wav", 180, PHONE_TONE_HZ)
    ctrl_port = ports.free_tcp_port()
    (folder / "config").write_text(config_text(folder, ports.free_udp_port(), ctrl_port,
                                               ports.free_udp_block(10, 30000, 32000)))
    (folder / "accounts").write_text(account_line(seat, password, registrar_port) + "\n")
    (folder / "contacts").write_text("")
    return ctrl_port


def keep_output(folder: Path, output: list[str]) -> None:
    """What baresip printed, kept beside its configuration for a failed test's reader."""
    (folder / "output.log").write_text("\n".join(output) + "\n")


@contextlib.asynccontextmanager
async def registered(folder: Path, seat: str, password: str, registrar_port: int
                     ) -> AsyncIterator[Baresip]:
    """baresip registered as ``seat`` to the sandbox at 127.0.0.1:``registrar_port``; stopped
    (or reaped, if the test killed it) at the end."""
    binary = shutil.which("baresip")
    if binary is None:
        raise RuntimeError("baresip is not installed (Debian package baresip-core; `make system`)")
    ctrl_port = await asyncio.to_thread(prepare, folder, seat, password, registrar_port)
    process = await asyncio.create_subprocess_exec(
        binary, "-f", str(folder), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=folder,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder)})
    phone = Baresip(process, folder, ctrl_port)
    phone._reader = asyncio.create_task(phone._read())
    try:
        await phone.wait_for(rf"{seat}@127\.0\.0\.1.*200 OK", START_TIMEOUT_S)
        yield phone
    finally:
        await phone.stop()
        await asyncio.to_thread(keep_output, folder, phone.output)
