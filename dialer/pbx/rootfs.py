"""The sandbox's Debian sid root filesystem with Asterisk 22, built once and cached.

Asterisk is not packaged for Debian 12, so the sandbox runs Debian sid's Asterisk in a chroot.
The cache key covers the package list; a rootfs older than ``MAX_AGE_DAYS`` is rebuilt so the
sandbox follows sid's security updates.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import subprocess
import time
from pathlib import Path

from dialer.pbx.prerequisites import PrerequisiteError, require_command, require_root

log = logging.getLogger(__name__)

DEFAULT_CACHE = Path("/var/cache/dialer-sandbox")
SUITE = "sid"
PACKAGES = (
    "asterisk",
    "asterisk-modules",
    "asterisk-config",
    "asterisk-core-sounds-en-gsm",
    "sox",
)
MAX_AGE_DAYS = 30
STAMP = "dialer-rootfs.stamp"
SOURCES_FILES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))


class RootfsError(Exception):
    """Building the root filesystem failed; the message carries the builder's last words."""


def cache_key() -> str:
    return hashlib.sha256(" ".join((SUITE, *PACKAGES)).encode()).hexdigest()[:12]


def rootfs_path(cache: Path = DEFAULT_CACHE) -> Path:
    return cache / f"rootfs-{cache_key()}"


def is_ready(root: Path) -> bool:
    return (root / STAMP).is_file() and (root / "usr/sbin/asterisk").is_file()


def is_stale(root: Path, now: float | None = None) -> bool:
    age_s = (now or time.time()) - (root / STAMP).stat().st_mtime
    return age_s > MAX_AGE_DAYS * 86400


def host_debian_mirror() -> str | None:
    """The Debian mirror this machine's apt uses (sid comes from the same place), if any."""
    for path in SOURCES_FILES:
        if not path.is_file():
            continue
        for match in re.finditer(r"(?:URIs:|deb)\s+(\S+/debian)/?\s", path.read_text() + "\n"):
            return match.group(1)
    return None


def ensure(cache: Path = DEFAULT_CACHE, *, refresh: bool = False) -> Path:
    """The ready root filesystem: built if missing, stale or ``refresh`` is asked."""
    root = rootfs_path(cache)
    if is_ready(root) and not refresh and (not is_stale(root) or _has_instances(root)):
        return root
    require_root("building the sandbox")
    require_command("mmdebstrap", "mmdebstrap", "building the sandbox")
    build(root)
    return root


INSTANCES_DIR = "srv/dialer-sandboxes"


def _has_instances(root: Path) -> bool:
    """A sandbox may be running from this root: never swap the tree under it."""
    instances = root / INSTANCES_DIR
    return instances.is_dir() and any(instances.iterdir())


def build(root: Path) -> None:
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = root.with_name(root.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    command = [
        "mmdebstrap", "--variant=apt", "--quiet",
        "--aptopt=Acquire::Check-Valid-Until \"false\"",
        f"--include={','.join(PACKAGES)}", SUITE, str(tmp),
    ]
    mirror = host_debian_mirror()
    if mirror:
        command.append(mirror)
    log.info("building the sandbox root filesystem (Debian %s + Asterisk) in %s", SUITE, root)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (tmp / "usr/sbin/asterisk").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        tail = "\n".join((result.stderr or result.stdout).splitlines()[-15:])
        raise RootfsError(f"mmdebstrap failed (exit {result.returncode}):\n{tail}")
    version = subprocess.run(
        ["chroot", str(tmp), "/usr/sbin/asterisk", "-V"], capture_output=True, text=True,
        check=False,
    ).stdout.strip()
    (tmp / STAMP).write_text(f"{version}\n{' '.join(PACKAGES)}\n")
    old = root.with_name(root.name + ".old")
    if root.exists():
        root.rename(old)
    tmp.rename(root)
    shutil.rmtree(old, ignore_errors=True)


def asterisk_version(root: Path) -> str:
    if not is_ready(root):
        raise PrerequisiteError(f"no sandbox root filesystem at {root}: run `dialer sandbox build`")
    return (root / STAMP).read_text().splitlines()[0]
