"""``dialer doctor``: the preflight a telephony admin runs before going live. Each check says
OK, or what to fix; a NOTE is advice that does not stop the centre. Nothing is changed.

Checks: the secrets (no placeholder, long enough), file modes of what holds personal data or
keys, the AMI login and that its user cannot run CLI commands, SIP bound to one interface and the
carrier known by address, the console behind TLS (public origin, trusted proxy, loopback),
FastAGI on loopback or behind an allowlist, the three callback messages and the hold audio,
lines against operators, backups on another disk with their key apart, the access log's key
apart from the data, and Asterisk's clock against this machine's.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from dialer import config
from dialer.adapters import asterisk_files, shared_folders
from dialer.adapters.ami import AmiError, AmiLink
from dialer.config import Settings
from dialer.pbx import render
from dialer.services.callbacks import messages

CLOCK_SKEW_S = 5.0
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


class Level(StrEnum):
    OK = "OK"
    FIX = "FIX"
    NOTE = "NOTE"


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str
    text: str

    def line(self) -> str:
        return f"{self.level.value:<4}  {self.topic:<10}  {self.text}"


def _ok(topic: str, text: str) -> Finding:
    return Finding(Level.OK, topic, text)


def _fix(topic: str, text: str) -> Finding:
    return Finding(Level.FIX, topic, text)


def _note(topic: str, text: str) -> Finding:
    return Finding(Level.NOTE, topic, text)


def offline(settings: Settings, config_file: Path | None) -> list[Finding]:
    """Everything that needs no Asterisk."""
    return [*_secrets(settings), *_modes(settings, config_file), *_sip(settings),
            *_installed_ami(settings), *_web(settings), *_agi(settings), *_messages(settings),
            *_lines(settings), *_backups(settings), *_audit(settings)]


async def check(settings: Settings, config_file: Path | None) -> list[Finding]:
    return [*offline(settings, config_file), *await _asterisk(settings)]


def _secrets(s: Settings) -> Iterator[Finding]:
    problems = config.production_problems(s)
    yield from (_fix("secrets", p) for p in problems)
    if not problems:
        yield _ok("secrets", "AMI, trunk and seat secrets are set and long enough")


def _loose(path: Path) -> bool:
    try:
        return bool(os.lstat(path).st_mode & 0o077)
    except FileNotFoundError:
        return False


def _modes(s: Settings, config_file: Path | None) -> Iterator[Finding]:
    private = [p for p in (config_file, config.database_file(s), s.recordings.key_file,
                           s.backup.key_file, s.audit.key_file, s.paths.data_dir,
                           s.paths.recordings_dir, s.paths.outbox_dir, s.backup.dir,
                           s.recordings.key_file.parent, s.backup.key_file.parent,
                           s.audit.key_file.parent) if p is not None]
    loose = [p for p in private if _loose(p)]
    for path in loose:
        yield _fix("files", f"{path} is readable by others: chmod "
                            f"{'700' if path.is_dir() else '600'} it")
    if not loose:
        yield _ok("files", "configuration, database, keys, data, outbox and backups are private")


def _sip(s: Settings) -> Iterator[Finding]:
    if s.trunk.sip_bind_host in ("0.0.0.0", "::", ""):  # noqa: S104 - what is being checked
        yield _fix("sip", "trunk.sip_bind_host listens on every interface: bind it to the one "
                          "facing the carrier and the phones")
    elif _loopback(s.trunk.sip_bind_host) and not _loopback(s.trunk.host):
        yield _fix("sip", f"trunk.sip_bind_host is {s.trunk.sip_bind_host}: the carrier "
                          f"({s.trunk.host}) and the phones cannot reach it; bind the interface "
                          "facing them")
    else:
        yield _ok("sip", f"SIP bound to {s.trunk.sip_bind_host}:{s.trunk.sip_bind_port}")
    where = s.trunk.match or s.trunk.host
    yield _ok("sip", f"the carrier is known by its address only ({where}; identify_by = ip)")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


AMI_WRITE = frozenset({"system", "call", "originate"})


def _installed_ami(s: Settings) -> Iterator[Finding]:
    """The AMI user's classes in the manager.conf Asterisk really reads ([asterisk] conf_dir)."""
    path = s.asterisk.conf_dir / "manager.conf"
    try:
        sections = asterisk_files.read(path)
    except asterisk_files.ConfFileError as exc:
        yield _note("ami", f"{exc}: the installed AMI user's classes were not checked")
        return
    user = next((x for x in sections if x.name == s.ami.username), None)
    if user is None:
        yield _fix("ami", f"{path} has no [{s.ami.username}] user (`dialer asterisk render`)")
        return
    write = {c.strip() for c in user.values.get("write", "").split(",") if c.strip()}
    extra = sorted(write - AMI_WRITE)
    if extra:
        yield _fix("ami", f"{path}: [{s.ami.username}] may also write {', '.join(extra)}; "
                          f"the service needs only {', '.join(sorted(AMI_WRITE))}")
    else:
        yield _ok("ami", f"{path}: [{s.ami.username}] writes only {', '.join(sorted(write))}")


def _web(s: Settings) -> Iterator[Finding]:
    w = s.web
    if not w.public_origin.startswith("https://"):
        yield _fix("web", "web.public_origin is not an https origin: put the console behind the "
                          "TLS proxy (deploy/nginx-dialer.conf) and set it")
    else:
        yield _ok("web", f"console served as {w.public_origin}")
    if w.host not in LOOPBACK_HOSTS:
        yield _fix("web", f"web.host {w.host}: listen on loopback, behind the proxy")
    if not w.trusted_proxies:
        yield _fix("web", "web.trusted_proxies is empty: the access log and the login throttle "
                          "would see the proxy, not the browsers")
    else:
        yield _ok("web", f"browsers' addresses taken from {', '.join(w.trusted_proxies)}")


def _agi(s: Settings) -> Iterator[Finding]:
    a = s.agi
    peers = f"only {', '.join(a.allowed_peers)}" if a.allowed_peers else "loopback only"
    if a.host in LOOPBACK_HOSTS or a.allowed_peers:
        yield _ok("agi", f"FastAGI on {a.host}:{a.port}, answering {peers}")
    else:
        yield _fix("agi", f"agi.host {a.host} is not loopback and agi.allowed_peers is empty: "
                          "bind it to 127.0.0.1, or list Asterisk's address in "
                          "agi.allowed_peers (only loopback peers are answered until then)")


def _messages(s: Settings) -> Iterator[Finding]:
    gone = messages.missing(s)
    if gone:
        yield _fix("messages", f"missing: {', '.join(gone)} (`dialer messages set NAME FILE`)")
    else:
        yield _ok("messages", "the three callback messages are installed")
    if messages.hold_missing(s):
        yield _note("messages", f"no hold audio: {messages.HOLD_SILENT} "
                                "(`dialer messages set hold FILE`)")
    else:
        yield _ok("messages", "hold audio is installed")
    yield from _asterisk_reads(s)


def _asterisk_reads(s: Settings) -> Iterator[Finding]:
    """Asterisk runs as its own user: the messages and the calendar include must be readable
    by others (the service writes them so; a folder made by hand may not be)."""
    shared = [s.paths.sounds_dir, *(messages.message_path(s, name) for name in messages.ALL_NAMES),
              messages.message_path(s, messages.HOLD.name).parent,
              s.asterisk.conf_dir / render.CALENDAR_FILE]
    stopped = sorted({str(p) for p in map(shared_folders.blocked, shared) if p is not None})
    for place in stopped:
        yield _fix("files", f"{place}: Asterisk (another user) cannot read through it: chmod "
                            f"{'755' if Path(place).is_dir() else '644'} it")


def _lines(s: Settings) -> Iterator[Finding]:
    operators = len(s.seats)
    if operators == 0:
        yield _fix("lines", "no [[seats]]: no operator phone can take a call")
    elif s.trunk.max_lines < operators + 2:
        yield _fix("lines", f"trunk.max_lines {s.trunk.max_lines} for {operators} seats: keep "
                            "lines for callers waiting (`dialer lines` sizes them)")
    else:
        yield _ok("lines", f"{s.trunk.max_lines} lines for {operators} seats")


def _backups(s: Settings) -> Iterator[Finding]:
    if not s.backup.at:
        yield _fix("backup", "backup.at is empty: no nightly backup")
    data = s.paths.data_dir
    try:
        same_disk = s.backup.dir.exists() and data.exists() and \
            os.stat(s.backup.dir).st_dev == os.stat(data).st_dev
    except OSError:
        same_disk = False
    if same_disk:
        yield _note("backup", f"{s.backup.dir} is on the data's own disk: a dead disk takes the "
                              "backups with it (mount another one there)")
    if s.backup.at:
        yield _ok("backup", f"nightly at {s.backup.at}, newest {s.backup.keep} kept, key "
                            f"{s.backup.key_file}")


def _audit(s: Settings) -> Iterator[Finding]:
    """The access log's key: outside the data folder (refused by the configuration otherwise)."""
    where = s.audit.key_file
    state = "" if where.exists() else " (created with the log's first entry)"
    yield _ok("audit", f"access-log key {where}{state}, apart from the data: keep a copy apart "
                       "from the backups, which do not hold it")


async def _asterisk(s: Settings) -> list[Finding]:
    link = AmiLink(s.ami)
    try:
        await link.connect(timeout_s=s.ami.connect_timeout_s)
    except AmiError as exc:
        return [_fix("ami", f"{exc} (check [ami] and manager.conf)")]
    try:
        found = [_ok("ami", f"logged in as {s.ami.username} at {s.ami.host}:{s.ami.port}")]
        if await link.can_run_cli():
            found.append(_fix("ami", "the AMI user can run CLI commands: drop `command` from "
                                     "its write classes (`dialer asterisk render`)"))
        else:
            found.append(_ok("ami", "the AMI user cannot run CLI commands"))
        skew = abs((await link.current_time()) - datetime.now(UTC)).total_seconds()
        found.append(_ok("clock", f"Asterisk and this machine agree ({skew:.1f} s)")
                     if skew <= CLOCK_SKEW_S else
                     _fix("clock", f"Asterisk's clock is {skew:.0f} s off this machine's: "
                                   "the calling windows would disagree (NTP on both)"))
        return found
    finally:
        await link.close()


def failed(findings: list[Finding]) -> bool:
    return any(f.level is Level.FIX for f in findings)


