"""Render `asterisk_conf/` (Jinja templates) from the service's settings.

One source of truth: per-site values (dedicated number, AMI user, trunk, ports) are read from the
service's TOML and written into the Asterisk files here, never copied by hand.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from dialer import config
from dialer.config import Settings
from dialer.pbx import calendar_dialplan


def _template_dir() -> Path:
    """Where the `asterisk_conf` package is: the checkout's folder, or the installed copy."""
    spec = importlib.util.find_spec("asterisk_conf")
    if spec is None or spec.origin is None:
        raise RuntimeError("the asterisk_conf templates are not installed with the service")
    return Path(spec.origin).parent


TEMPLATE_DIR = _template_dir()


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


SANDBOX_DIR = "sandbox"  # templates only a sandbox gets (test probes, simulated callees)
# In a folder of its own under conf_dir: the service (its own user) may write there and nowhere
# else in Asterisk's configuration (deploy/dialer.service: ReadWritePaths=/etc/asterisk/dialer).
CALENDAR_FILE = "dialer/extensions_calendar.conf"


def template_names(sandbox: bool = False) -> list[str]:
    names = sorted(p.name for p in TEMPLATE_DIR.glob("*.conf"))
    if "extensions.conf" not in names:  # never a silent render of nothing but the calendar
        raise RuntimeError(f"{TEMPLATE_DIR}: the Asterisk templates are missing")
    if sandbox:
        extra = (TEMPLATE_DIR / SANDBOX_DIR).glob("*.conf")
        names += sorted(f"{SANDBOX_DIR}/{p.name}" for p in extra)
    return names


def context(settings: Settings, dirs: AsteriskDirs, rtp: RtpRange, sandbox: bool
            ) -> dict[str, Any]:
    return {
        "sandbox": sandbox,
        "dedicated_number": settings.centre.dedicated_number,
        "centre": settings.centre,
        "ami": settings.ami,
        "agi": settings.agi,
        "asterisk": settings.asterisk,
        "trunk": settings.trunk,
        "seats": settings.seats,
        "dirs": dataclasses.asdict(dirs),
        "rtp": rtp,
    }


def render(
    settings: Settings, dirs: AsteriskDirs | None = None, rtp: RtpRange | None = None, *,
    today: date, sandbox: bool = False,
) -> dict[str, str]:
    """Every file of `asterisk_conf/` rendered, plus the calendar include: {file name: text}."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - Asterisk configuration, not HTML
    )
    values = context(settings, dirs or AsteriskDirs(), rtp or RtpRange(), sandbox)
    files = {Path(name).name: env.get_template(name).render(values)
             for name in template_names(sandbox)}
    files[CALENDAR_FILE] = render_calendar(settings, today)
    return files


def render_calendar(settings: Settings, today: date) -> str:
    return calendar_dialplan.render(config.calendar(settings), today,
                                    settings.dialplan_horizon_days)


def write(files: dict[str, str], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
