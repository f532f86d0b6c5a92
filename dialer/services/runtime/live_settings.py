"""The settings in force: one object every part reads, so a reloaded configuration reaches them all.

The parts keep a ``Callable[[], Settings]`` (usually ``live.current``) and call it each time they
need a value, never keeping the result; the configuration watcher hands a new file's settings to
``replace``, which adjusts them (the demo points them at its sandbox) and then tells the hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dialer import config
from dialer.config import Settings
from dialer.domain.calendar import Calendar

Adjust = Callable[[Settings], Settings]
Hook = Callable[[Settings], Awaitable[None]]


def as_is(settings: Settings) -> Settings:
    return settings


class LiveSettings:
    def __init__(self, settings: Settings, adjust: Adjust = as_is) -> None:
        self._adjust = adjust
        self._current = adjust(settings)
        self._hooks: list[Hook] = []

    def current(self) -> Settings:
        """The settings in force now (read again each time: a reload replaces them)."""
        return self._current

    def calendar(self) -> Calendar:
        """The calendar of the settings in force now."""
        return config.calendar(self._current)

    def on_change(self, hook: Hook) -> None:
        """Await ``hook(settings)`` after every ``replace``, in the order the hooks were given."""
        self._hooks.append(hook)

    async def replace(self, settings: Settings) -> None:
        """New settings (a reloaded file) are in force from now on."""
        self._current = self._adjust(settings)
        for hook in self._hooks:
            await hook(self._current)
