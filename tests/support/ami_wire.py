"""A wire tap on an ``AmiLink``, for real-Asterisk tests that check what Asterisk itself says:
the raw events (headers as sent) and raw actions for probes the service never makes (Getvar,
ModuleLoad, ``core restart now``…). The adapter's edge, for tests only: the service's code sees
typed events and typed verbs."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from dialer.adapters.ami import AmiLink
from dialer.adapters.ami_actions import messages as _messages
from dialer.adapters.ami_actions import plain as _plain

Raw = dict[str, str]
_TAPS: dict[int, Any] = {}


def tap(link: AmiLink) -> asyncio.Queue[Raw]:
    """A queue of every event the link reads from now on, as plain headers."""
    queue: asyncio.Queue[Raw] = asyncio.Queue()

    def heard(_manager: Any, message: Any) -> None:
        queue.put_nowait(_plain(message))

    link._manager.register_event("*", heard)  # type: ignore[union-attr]
    _TAPS[id(queue)] = heard
    return queue


def untap(link: AmiLink, queue: asyncio.Queue[Raw]) -> None:
    manager: Any = link._manager
    heard = _TAPS.pop(id(queue), None)
    if manager is None or heard is None:
        return
    manager.callbacks["*"].remove(heard)
    if not manager.callbacks["*"]:
        manager.patterns = [p for p in manager.patterns if p[0] != "*"]
        del manager.callbacks["*"]


async def send(link: AmiLink, headers: Mapping[str, str], timeout_s: float = 5.0) -> list[Raw]:
    """One action as headers; Asterisk's answer as plain messages."""
    return _messages(await link._action(headers, timeout_s))


async def ask(link: AmiLink, headers: Mapping[str, str], timeout_s: float = 5.0) -> Raw:
    """One action answered by one message (Getvar, ModuleCheck…): that message."""
    return (await send(link, headers, timeout_s))[0]
