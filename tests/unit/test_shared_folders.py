"""What Asterisk (another user) reads is readable by others even under the service's umask
0077: the messages' folder and the calendar include's; ``dialer doctor`` names the folder that
stops it when one was made by hand."""

from __future__ import annotations

import dataclasses
import os
import stat
from datetime import date
from pathlib import Path

from dialer.adapters import shared_folders
from dialer.config import Settings
from dialer.pbx import render
from dialer.services.calls.calendar_publisher import CalendarPublisher
from dialer.services.runtime import doctor


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_made_folders_are_readable_under_umask_0077(public_dir: Path) -> None:
    old = os.umask(0o077)
    try:
        shared_folders.make(public_dir / "a" / "b")
    finally:
        os.umask(old)
    assert mode(public_dir / "a") == mode(public_dir / "a" / "b") == 0o755
    assert shared_folders.blocked(public_dir / "a" / "b") is None


def test_blocked_names_the_first_folder_in_the_way(public_dir: Path) -> None:
    (public_dir / "private" / "sounds").mkdir(parents=True)
    (public_dir / "private").chmod(0o700)
    (public_dir / "private" / "sounds").chmod(0o755)
    assert shared_folders.blocked(public_dir / "private" / "sounds") == public_dir / "private"
    (public_dir / "private").chmod(0o711)  # others may cross it by name: enough
    assert shared_folders.blocked(public_dir / "private" / "sounds") is None
    file = public_dir / "private" / "sounds" / "out_of_hours.wav"
    file.write_bytes(b"")
    file.chmod(0o600)
    assert shared_folders.blocked(file) == file
    assert shared_folders.blocked(public_dir / "absent") is None


async def test_the_calendar_include_is_published_readable(public_dir: Path) -> None:
    class NoAmi:
        async def reload_dialplan(self) -> None:
            return None

    settings = Settings()
    settings = dataclasses.replace(settings, asterisk=dataclasses.replace(
        settings.asterisk, conf_dir=public_dir / "etc"))
    old = os.umask(0o077)
    try:
        publisher = CalendarPublisher(NoAmi(), lambda _s: date(2027, 1, 12))  # type: ignore[arg-type]
        assert await publisher.publish(settings)
    finally:
        os.umask(old)
    include = public_dir / "etc" / render.CALENDAR_FILE
    assert shared_folders.blocked(include) is None and mode(include.parent) == 0o755


def test_doctor_names_a_sounds_folder_asterisk_cannot_read(public_dir: Path) -> None:
    sounds = public_dir / "sounds"
    sounds.mkdir(mode=0o700)
    sounds.chmod(0o700)
    s = Settings()
    s = dataclasses.replace(s, paths=dataclasses.replace(s.paths, sounds_dir=sounds),
                            asterisk=dataclasses.replace(s.asterisk, conf_dir=public_dir / "etc"))
    lines = [f for f in doctor.offline(s, None) if "Asterisk (another user)" in f.text]
    assert [(f.level, f.text.split(":")[0]) for f in lines] == [(doctor.Level.FIX, str(sounds))]
    sounds.chmod(0o755)
    assert not [f for f in doctor.offline(s, None) if "Asterisk (another user)" in f.text]
