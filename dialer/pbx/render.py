"""Render `asterisk_conf/` (Jinja templates) from the service's settings.

One source of truth: per-site values (dedicated number, AMI user, trunk, ports) are read from the
service's TOML and written into the Asterisk files here, never copied by hand.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from dialer.config import Settings

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "asterisk_conf"


@dataclass(frozen=True)
class AsteriskDirs:
    """Paths as Asterisk sees them (inside the chroot for a sandbox)."""

    etc: str = "/etc/asterisk"
    modules: str = "/usr/lib/x86_64-linux-gnu/asterisk/modules"
    varlib: str = "/var/lib/asterisk"
    data: str = "/usr/share/asterisk"
    spool: str = "/var/spool/asterisk"
    run: str = "/var/run/asterisk"
    log: str = "/var/log/asterisk"
    cache: str = "/var/cache/asterisk"


@dataclass(frozen=True)
class RtpRange:
    start: int = 10000
    end: int = 20000


def template_names() -> list[str]:
    return sorted(p.name for p in TEMPLATE_DIR.glob("*.conf"))


def context(settings: Settings, dirs: AsteriskDirs, rtp: RtpRange) -> dict[str, Any]:
    return {
        "dedicated_number": settings.centre.dedicated_number,
        "centre": settings.centre,
        "ami": settings.ami,
        "agi": settings.agi,
        "trunk": settings.trunk,
        "dirs": dataclasses.asdict(dirs),
        "rtp": rtp,
    }


def render(
    settings: Settings, dirs: AsteriskDirs | None = None, rtp: RtpRange | None = None
) -> dict[str, str]:
    """Every file of `asterisk_conf/`, rendered: {file name: text}."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk configuration, not HTML
    )
    values = context(settings, dirs or AsteriskDirs(), rtp or RtpRange())
    return {name: env.get_template(name).render(values) for name in template_names()}


def write(files: dict[str, str], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
