"""A throwaway Asterisk 22 on loopback: `dialer sandbox up | down | status`.

Each sandbox has a folder of ours (``--dir``) holding ``sandbox.json`` (ports, credentials, pid)
and its own Asterisk tree inside the shared, cached root filesystem (config, run, spool, log),
so two sandboxes run side by side. Asterisk runs chrooted in the foreground of its own session;
`up` returns once it reports FullyBooted, `down` stops it with ``core stop now``.
One module (a little over 300 lines): the sandbox's whole life, up, status and down.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dialer import config
from dialer.adapters.ami import wait_fully_booted
from dialer.config import Settings
from dialer.config_sections import AmiSettings
from dialer.config_tables import Seat
from dialer.pbx import ports, render, rootfs
from dialer.pbx.prerequisites import require_command, require_root

log = logging.getLogger(__name__)

STATE_FILE = "sandbox.json"
DEFAULT_SEATS = tuple(f"seat{n:02d}" for n in range(1, 9))
BOOT_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
BeforeBoot = Callable[[Settings], object]  # gets the sandbox's service settings


class SandboxError(Exception):
    """The sandbox could not be started, reached or stopped."""


@dataclass(frozen=True)
class SandboxState:
    dir: str
    root: str
    inner: str  # the instance's tree, as a path inside the chroot
    pid: int
    ami_port: int
    ami_username: str
    ami_secret: str
    sip_port: int
    carrier_port: int
    phones_port: int  # where the simulated operator phones answer
    callers_port: int  # where simulated residents call the dedicated number from
    agi_port: int  # where the dialplan expects the service's FastAGI gate
    seats: tuple[str, ...]
    rtp_start: int
    rtp_end: int
    version: str

    @property
    def conf(self) -> str:
        return f"{self.inner}/etc/asterisk.conf"

    @property
    def host_inner(self) -> Path:
        """The instance's tree as seen from the host."""
        return Path(self.root) / self.inner.lstrip("/")

    def ami(self) -> AmiSettings:
        return AmiSettings(
            host="127.0.0.1", port=self.ami_port, username=self.ami_username,
            secret=self.ami_secret,
        )


def state_path(directory: Path) -> Path:
    return directory / STATE_FILE


def load_state(directory: Path) -> SandboxState | None:
    path = state_path(directory)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        return SandboxState(**data | {"seats": tuple(data.get("seats", ()))})
    except (ValueError, TypeError) as exc:
        raise SandboxError(f"{path} is unreadable ({exc}); remove it and retry") from None


def is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (reaps our own dead children)."""
    try:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def instance_id(directory: Path) -> str:
    return hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:12]


def service_settings(settings: Settings, state: SandboxState) -> Settings:
    """``settings`` as they are inside this sandbox: its AMI, its carrier (the simulated
    residents), its seats (the simulated operator phones), its configuration folder and the
    spool where MixMonitor writes an emergency recording while it runs."""
    trunk = dataclasses.replace(
        settings.trunk,
        host="127.0.0.1", port=state.carrier_port, transport="udp", username="", password="",
        match=f"127.0.0.1:{state.carrier_port},127.0.0.1:{state.callers_port}",
        sip_bind_host="127.0.0.1", sip_bind_port=state.sip_port,
    )
    configured = {seat.name: seat for seat in settings.seats}
    seats = tuple(_sandbox_seat(configured.get(name) or Seat(name), state)
                  for name in state.seats)
    asterisk = dataclasses.replace(settings.asterisk, conf_dir=state.host_inner / "etc",
                                   sounds_dir=Path(f"{state.inner}/sounds"),
                                   recordings_spool=Path(f"{state.inner}/recordings"))
    paths = dataclasses.replace(settings.paths, sounds_dir=state.host_inner / "sounds",
                                recordings_spool=state.host_inner / "recordings")
    agi = dataclasses.replace(settings.agi, host="127.0.0.1", port=state.agi_port)
    return dataclasses.replace(settings, ami=state.ami(), trunk=trunk, seats=seats,
                               asterisk=asterisk, paths=paths, agi=agi)


def _sandbox_seat(seat: Seat, state: SandboxState) -> Seat:
    """A seat with a password and no ``contact`` stays as configured: a real phone registers
    to the sandbox with it. Any other seat is the simulated phones' (sipp ``-sn uas``, which
    sends no audio and answers no OPTIONS: its liveness checks are off unless configured)."""
    if seat.password and not seat.contact:
        return seat
    return dataclasses.replace(
        seat, contact=f"sip:{seat.name}@127.0.0.1:{state.phones_port}",
        qualify_s=seat.qualify_s or 0, rtp_timeout_s=seat.rtp_timeout_s or 0)


def _dirs(inner: str) -> render.AsteriskDirs:
    return render.AsteriskDirs(
        etc=f"{inner}/etc", varlib=f"{inner}/lib", spool=f"{inner}/spool", run=f"{inner}/run",
        log=f"{inner}/log", cache=f"{inner}/cache",
    )


def _prepare(settings: Settings, directory: Path, root: Path, today: date,
             previous: SandboxState | None) -> SandboxState:
    inner = f"/{rootfs.INSTANCES_DIR}/{instance_id(directory)}"
    state = _reuse(previous, root, inner) or _fresh(settings, directory, root, inner)
    host_inner = state.host_inner
    shutil.rmtree(host_inner, ignore_errors=True)
    for sub in ("etc", "lib", "spool", "run", "log", "cache", "sounds", "recordings"):
        (host_inner / sub).mkdir(parents=True, exist_ok=True)
    files = render.render(
        service_settings(settings, state), _dirs(inner),
        render.RtpRange(state.rtp_start, state.rtp_end), today=today,
        sandbox=True,
    )
    render.write(files, host_inner / "etc")
    return state


def _reuse(previous: SandboxState | None, root: Path, inner: str) -> SandboxState | None:
    """A sandbox restarted in its folder keeps its ports and secret, so clients reconnect."""
    if previous is None or previous.root != str(root) or previous.inner != inner:
        return None
    if not ports.tcp_port_is_free(previous.ami_port):
        return None
    return dataclasses.replace(previous, pid=0)


def _fresh(settings: Settings, directory: Path, root: Path, inner: str) -> SandboxState:
    rtp_start = ports.free_udp_block(40)
    return SandboxState(
        dir=str(directory.resolve()), root=str(root), inner=inner, pid=0,
        ami_port=ports.free_tcp_port(), ami_username="dialer", ami_secret=secrets.token_hex(12),
        sip_port=ports.free_udp_port(), carrier_port=ports.free_udp_port(),
        phones_port=ports.free_udp_port(), callers_port=ports.free_udp_port(),
        agi_port=ports.free_tcp_port(),
        seats=tuple(s.name for s in settings.seats) or DEFAULT_SEATS,
        rtp_start=rtp_start, rtp_end=rtp_start + 39, version=rootfs.asterisk_version(root),
    )


def up(settings: Settings, directory: Path, cache: Path = rootfs.DEFAULT_CACHE,
       today: date | None = None, before_boot: BeforeBoot | None = None) -> SandboxState:
    """Start a sandbox in ``directory`` (or return the one already running there).

    ``today`` is the day the calendar include is rendered from (default: the real today).
    ``before_boot`` gets the sandbox's service settings once its folders are fresh and before
    Asterisk starts: what Asterisk reads only as it loads (the hold audio) is put there then."""
    return asyncio.run(start(settings, directory, cache, today, before_boot))


async def start(settings: Settings, directory: Path, cache: Path = rootfs.DEFAULT_CACHE,
                today: date | None = None, before_boot: BeforeBoot | None = None
                ) -> SandboxState:
    """`up` for callers already inside an event loop."""
    state, launched = await asyncio.to_thread(_launch, settings, directory, cache, today,
                                              before_boot)
    if not launched:
        return state
    try:
        await _wait_booted(state)
    except Exception:
        await asyncio.to_thread(down, directory)
        raise
    return state


def _launch(settings: Settings, directory: Path, cache: Path, today: date | None,
            before_boot: BeforeBoot | None) -> tuple[SandboxState, bool]:
    """Render and spawn (blocking work); False when a sandbox already runs there."""
    require_root("the sandbox")
    require_command("chroot", "coreutils", "the sandbox")
    running = load_state(directory)
    if running is not None and is_alive(running.pid):
        return running, False
    root = rootfs.ensure(cache)
    directory.mkdir(parents=True, exist_ok=True)
    state = _prepare(settings, directory, root, today or config.today(settings), running)
    if before_boot is not None:
        before_boot(service_settings(settings, state))
    state = dataclasses.replace(state, pid=_spawn(state, directory))
    state_path(directory).write_text(json.dumps(dataclasses.asdict(state), indent=2))
    return state, True


def _spawn(state: SandboxState, directory: Path) -> int:
    console = (directory / "asterisk-console.log").open("ab")
    with console:
        process = subprocess.Popen(
            ["chroot", state.root, "/usr/sbin/asterisk", "-f", "-n", "-q", "-C", state.conf],
            stdin=subprocess.DEVNULL, stdout=console, stderr=console, start_new_session=True,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC"},
        )
    return process.pid


async def _wait_booted(state: SandboxState) -> None:
    boot = asyncio.ensure_future(
        wait_fully_booted("127.0.0.1", state.ami_port, state.ami_username, state.ami_secret,
                          BOOT_TIMEOUT_S)
    )
    try:
        while not boot.done():
            if not is_alive(state.pid):
                raise SandboxError(f"Asterisk exited during start-up; see {_console(state)}")
            await asyncio.wait([boot], timeout=0.1)
        boot.result()
    finally:
        boot.cancel()


def _console(state: SandboxState) -> Path:
    return Path(state.dir) / "asterisk-console.log"


def asterisk_rx(state: SandboxState, command: str, timeout_s: float = 5.0) -> str:
    """Run an Asterisk CLI command on the sandbox (``asterisk -rx``)."""
    result = subprocess.run(
        ["chroot", state.root, "/usr/sbin/asterisk", "-C", state.conf, "-rx", command],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )
    return result.stdout


def down(directory: Path) -> bool:
    """Stop the sandbox in ``directory``; True if one was running. Leaves no process behind."""
    state = load_state(directory)
    if state is None:
        return False
    was_running = is_alive(state.pid)
    if was_running:
        try:
            asterisk_rx(state, "core stop now")
        except subprocess.TimeoutExpired:
            log.warning("sandbox %s: `core stop now` timed out; killing it", directory)
        _wait_gone(state.pid, STOP_TIMEOUT_S)
    _keep_logs(state)
    shutil.rmtree(state.host_inner, ignore_errors=True)
    state_path(directory).unlink(missing_ok=True)
    return was_running


def _wait_gone(pid: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while is_alive(pid):
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout_s
        time.sleep(0.05)


def _keep_logs(state: SandboxState) -> None:
    source = state.host_inner / "log" / "messages.log"
    if source.is_file():
        shutil.copyfile(source, Path(state.dir) / "asterisk-messages.log")


@dataclass(frozen=True)
class SandboxStatus:
    running: bool
    state: SandboxState | None
    version: str = ""
    uptime: str = ""


def status(directory: Path) -> SandboxStatus:
    state = load_state(directory)
    if state is None or not is_alive(state.pid):
        return SandboxStatus(running=False, state=state)
    version = asterisk_rx(state, "core show version").strip()
    uptime = asterisk_rx(state, "core show uptime seconds").strip().replace("\n", "; ")
    return SandboxStatus(running=bool(version), state=state, version=version, uptime=uptime)
