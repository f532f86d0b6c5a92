"""Asterisk plays newly installed hold audio: it is asked to reload res_musiconhold.

res_musiconhold lists the files of a class's folder only as it loads the class, and registers no
class whose folder is empty; a reload re-reads its classes only when musiconhold.conf changed. So
after hold audio is installed, musiconhold.conf is touched (its time only) and the module is
reloaded through the AMI: a class Asterisk skipped at boot (no file yet) is loaded with the new
file. A class already loaded keeps playing ``hold.wav`` by name, so the replaced file is what the
next waiting caller hears either way. ``dialer serve`` reloads at start; the CLI reloads a running
Asterisk itself, or says how to when it cannot reach it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from dialer.adapters.ami import AmiError, AmiLink
from dialer.config import Settings

log = logging.getLogger(__name__)

CONF = "musiconhold.conf"


def reload_command(settings: Settings) -> str:
    """What an administrator runs on the Asterisk host when the AMI cannot be reached."""
    return (f"touch {settings.asterisk.conf_dir / CONF} && "
            "asterisk -rx 'module reload res_musiconhold.so'")


async def reload(ami: AmiLink, settings: Settings) -> None:
    """Make the running Asterisk read the hold-audio folder again; AmiError if it cannot."""
    _touch(settings.asterisk.conf_dir / CONF)
    await ami.reload_music_on_hold()
    log.info("Asterisk reloaded music on hold (the hold audio)")


async def reload_running(settings: Settings) -> str | None:
    """``reload`` over a link of its own (the CLI); None when done, else why not."""
    link = AmiLink(settings.ami)
    try:
        await link.connect(timeout_s=settings.ami.connect_timeout_s)
        await reload(link, settings)
    except AmiError as exc:
        return str(exc)
    finally:
        await link.close()
    return None


class HoldMusic:
    """The service's reload, over its own AMI link: a failure is logged, not raised (Asterisk
    lists the folder anyway when it next starts, and ``serve`` reloads at its own start)."""

    def __init__(self, ami: AmiLink, settings: Callable[[], Settings]) -> None:
        self._ami = ami
        self._settings = settings

    async def reload(self) -> bool:
        try:
            await reload(self._ami, self._settings())
        except AmiError as exc:
            log.warning("music-on-hold reload failed (%s): new hold audio plays once Asterisk "
                        "reloads res_musiconhold or restarts", exc)
            return False
        return True


def _touch(conf: Path) -> None:
    """A new modification time, so the reload re-reads the classes (content unchanged)."""
    try:
        os.utime(conf)
    except OSError as exc:  # a class loaded at boot still plays the replaced file by name
        log.warning("cannot touch %s (%s): Asterisk reloads its hold classes only if they "
                    "changed", conf, exc)
