"""Ending the tasks a part started: every task is cancelled, then awaited to its end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

RECANCEL_S = 1.0


async def cancel_all(tasks: Iterable[asyncio.Task[Any]], recancel_s: float = RECANCEL_S) -> None:
    """Cancel ``tasks`` and wait for each to end; an error other than the cancellation that a
    task ended with is raised.

    A task still running ``recancel_s`` after its cancellation is cancelled again: a
    cancellation that arrives just as an awaited timeout or future completes can be swallowed
    (by ``asyncio.wait_for`` before Python 3.12, or a library), and the task would otherwise
    go back to waiting and never end."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    for task in tasks:
        while not task.done():
            await asyncio.wait([task], timeout=recancel_s)
            if not task.done():
                log.warning("task %s did not end when cancelled; cancelling it again",
                            task.get_name())
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
